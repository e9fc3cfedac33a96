using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Jobs;

/// <summary>What an agent says about the job it runs: progress (which renews the lease) and, when it stops, the job handed back.</summary>
public sealed class JobLeases(ComfyDoctorDb db, ServerOptions options, JobSignal signal)
{
    /// <summary>
    /// Stores the job's progress and renews its lease: a job that still reports progress is alive, however long it runs.
    /// Refused when the job is not this worker's running job, or when an admin asked to cancel it (the agent stops and reports what it
    /// did).
    /// </summary>
    public async Task<Refusal?> ProgressAsync(string workerId, string id, JobProgress progress, CancellationToken ct)
    {
        var now = options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var updated = await db
            .Jobs.Where(j => j.Id == id && j.WorkerId == workerId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(
                s =>
                    s.SetProperty(j => j.ProgressJson, JsonSerializer.Serialize(progress, ReportJson.Options))
                        .SetProperty(j => j.LeaseUntil, now + (long)options.JobLease.TotalMilliseconds)
                        .SetProperty(j => j.UpdatedAt, now),
                ct
            );
        if (updated != 1)
        {
            return NotRunning(id);
        }

        return await db.Jobs.AnyAsync(j => j.Id == id && j.CancelRequested, ct)
            ? ProblemTypes.JobCancelled.Because("cancelled by an admin")
            : null;
    }

    /// <summary>
    /// An agent that is stopping (SIGTERM) hands its unfinished scan or repair back: queued again, the attempt not counted,
    /// so the agent's next start (or its replacement's) takes it at once instead of after its lease.
    /// </summary>
    public async Task<Refusal?> ReleaseAsync(string workerId, string id, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var released = await db
            .Jobs.Where(j => j.Id == id && j.WorkerId == workerId && j.Status == JobStatus.Running && j.Kind != AgentProtocol.UploadBlobJob)
            .ExecuteUpdateAsync(
                s =>
                    s.SetProperty(j => j.Status, JobStatus.Queued)
                        .SetProperty(j => j.LeaseUntil, (long?)null)
                        .SetProperty(j => j.Attempts, j => j.Attempts > 0 ? j.Attempts - 1 : 0)
                        .SetProperty(j => j.UpdatedAt, now),
                ct
            );
        if (released != 1)
        {
            return NotRunning(id);
        }

        await db
            .Scans.Where(s => s.JobId == id && s.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Queued), ct);
        signal.Notify(workerId); // its replacement may already wait, on any replica
        return null;
    }

    /// <summary>The job is not the asking worker's running job (finished, taken back, or another worker's).</summary>
    public static Refusal NotRunning(string id) => ProblemTypes.JobNotFound.Because($"job {id} is not a running job of this worker");
}
