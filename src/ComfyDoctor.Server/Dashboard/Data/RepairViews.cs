using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Repairs;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>One action row of a repair job: live progress while it runs, its result once the job has ended.</summary>
public sealed record ActionRow(
    string Kind,
    string Subject,
    string State,
    string? Source,
    long BytesDone,
    long? BytesTotal,
    double BytesPerSecond,
    string Message
);

/// <summary>One worker's job of a repair, with its actions and — once done — what its re-scan proved.</summary>
public sealed record RepairJobView(
    string JobId,
    string Worker,
    string Status,
    string? Error,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ActionRow> Actions,
    RepairOutcomes.Summary? Summary
)
{
    public bool Ended => Status is JobStatus.Done or JobStatus.Failed;

    /// <summary>
    /// <c>repair</c>, or <c>scan</c> for the scan a never-scanned worker's repair is planned from (<see cref="ScanFirst"/>).
    /// </summary>
    public string Kind { get; init; } = AgentProtocol.RepairJob;

    /// <summary>The confirmed plan the job runs (null for a repair queued before plans were stored).</summary>
    public string? PlanId { get; init; }

    public static RepairJobView From(JobRow job, string worker)
    {
        var summary = job.ResultJson is { } result ? ReportJson.Deserialize<RepairOutcomes.Summary>(result) : null;
        var progress = job.ProgressJson is { } p ? ReportJson.Deserialize<JobProgress>(p) : null;
        IReadOnlyList<ActionRow> actions = summary is not null
            ? summary.Outcome.Actions.Select(a => new ActionRow(a.Kind, a.Subject, a.Outcome, a.Source, 0, null, 0, a.Message)).ToList()
            : progress
                ?.Actions?.Select(a => new ActionRow(
                    a.Kind,
                    a.Subject,
                    a.State,
                    a.Source,
                    a.BytesDone,
                    a.BytesTotal,
                    a.BytesPerSecond,
                    a.Message
                ))
                .ToList()
                ?? [];
        var created = DateTimeOffset.FromUnixTimeMilliseconds(job.CreatedAt);
        return new RepairJobView(job.Id, worker, job.Status, job.Error, created, actions, summary)
        {
            PlanId = PlannedJobs.PayloadOf(job)?.PlanId,
            Kind = job.Kind,
        };
    }
}

/// <summary>A repair over one or more workers.</summary>
public sealed record RepairView(string RepairId, string? RequestedBy, DateTimeOffset CreatedAt, IReadOnlyList<RepairJobView> Jobs)
{
    public bool Ended => Jobs.All(j => j.Ended);

    /// <summary>The latest repairs, newest first.</summary>
    public static async Task<List<RepairView>> RecentAsync(ComfyDoctorDb db, int count, CancellationToken ct)
    {
        var ids = await db
            .Jobs.AsNoTracking()
            .Where(j => j.RepairId != null)
            .GroupBy(j => j.RepairId!)
            .Select(g => new { Id = g.Key, At = g.Max(j => j.CreatedAt) })
            .OrderByDescending(g => g.At)
            .Take(count)
            .Select(g => g.Id)
            .ToListAsync(ct);
        return (await LoadAsync(db, ids, ct)).OrderByDescending(r => r.CreatedAt).ToList();
    }

    public static async Task<RepairView?> FindAsync(ComfyDoctorDb db, string repairId, CancellationToken ct) =>
        (await LoadAsync(db, [repairId], ct)).SingleOrDefault();

    private static async Task<List<RepairView>> LoadAsync(ComfyDoctorDb db, List<string> ids, CancellationToken ct)
    {
        var jobs = await db
            .Jobs.AsNoTracking()
            .Where(j => j.RepairId != null && ids.Contains(j.RepairId))
            .Join(db.Workers, j => j.WorkerId, w => w.Id, (j, w) => new { Job = j, Worker = w.Name })
            .ToListAsync(ct);
        return jobs.GroupBy(j => j.Job.RepairId!)
            .Select(g => new RepairView(
                g.Key,
                g.First().Job.RequestedBy,
                DateTimeOffset.FromUnixTimeMilliseconds(g.Min(j => j.Job.CreatedAt)),
                g.OrderBy(j => j.Worker, StringComparer.Ordinal).Select(j => RepairJobView.From(j.Job, j.Worker)).ToList()
            ))
            .ToList();
    }
}
