using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Jobs;

/// <summary>An admin's cancel: a queued job is failed at once; a running one is asked to stop (its agent's next progress post is answered
/// 409).</summary>
public sealed class JobCancellation(ComfyDoctorDb db, AuditTrail audit)
{
    public async Task<Outcome<JobView>> CancelAsync(string id, string actor, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return ProblemTypes.JobNotFound.Because($"no job '{id}'");
        }

        var worker = await db.Workers.AsNoTracking().Where(w => w.Id == job.WorkerId).Select(w => w.Name).FirstAsync(ct);
        if (job.Status is JobStatus.Done or JobStatus.Failed)
        {
            return ProblemTypes.JobEnded.Because($"job {id} already ended ({job.Status})");
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var transaction = await db.Database.BeginTransactionAsync(ct); // the cancellation and its audit record commit together
        var queued = await db
            .Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued)
            .ExecuteUpdateAsync(
                s =>
                    s.SetProperty(j => j.Status, JobStatus.Failed)
                        .SetProperty(j => j.Error, "cancelled by an admin before it started")
                        .SetProperty(j => j.CancelRequested, true)
                        .SetProperty(j => j.UpdatedAt, now),
                ct
            );
        if (queued == 1)
        {
            await db.Scans.Where(s => s.JobId == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Failed), ct);
        }
        else
        {
            await db
                .Jobs.Where(j => j.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true).SetProperty(j => j.UpdatedAt, now), ct);
        }

        await audit.AppendAsync(
            actor,
            "job.cancel",
            worker,
            $"job={id} kind={job.Kind}",
            queued == 1 ? "cancelled before it started" : "asked the agent to stop",
            ct
        );
        await transaction.CommitAsync(ct);
        var view = await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, ct);
        return JobView.From(view, worker);
    }
}
