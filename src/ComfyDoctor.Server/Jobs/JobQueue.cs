using System.Linq.Expressions;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Jobs are rows. An agent claims its oldest queued job — or one whose lease expired because its agent died — with a
/// conditional update, so two pollers (or two server replicas) never run the same job. A waiting poll does not query the
/// table: it waits for <see cref="JobSignal"/>, woken when this replica queues a job or when <see cref="JobSweep"/> finds one.
/// </summary>
public sealed class JobQueue(ComfyDoctorDb db, ServerOptions options, JobSignal signal)
{
    /// <param name="onlyKind">Only jobs of this kind (an agent busy with a job asks for blob uploads only); null = any, uploads first.</param>
    public async Task<JobRow?> ClaimAsync(string workerId, string? onlyKind, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.LongPoll;
        while (true)
        {
            var queued = signal.Next(workerId);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await GiveUpAsync(workerId, now, ct);
            var candidate = await db.Jobs.AsNoTracking()
                .Where(j => j.WorkerId == workerId).Where(Claimable(now))
                .Where(j => onlyKind == null || j.Kind == onlyKind)
                .OrderBy(j => j.Kind == Core.Protocol.AgentProtocol.UploadBlobJob ? 0 : 1).ThenBy(j => j.CreatedAt)
                .Select(j => new { j.Id, j.Attempts })
                .FirstOrDefaultAsync(ct);
            if (candidate is not null)
            {
                var lease = now + (long)options.JobLease.TotalMilliseconds;
                var claimed = await db.Jobs
                    .Where(j => j.Id == candidate.Id && j.Attempts == candidate.Attempts)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.LeaseUntil, lease)
                        .SetProperty(j => j.Attempts, candidate.Attempts + 1).SetProperty(j => j.UpdatedAt, now), ct);
                if (claimed == 1)
                {
                    await db.Scans.Where(s => s.JobId == candidate.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Running), ct);
                    return await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, ct);
                }

                continue; // someone else took it
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.WhenAny(queued, Task.Delay(left, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>A job an agent may take: queued, or running with its lease run out (its agent died).</summary>
    public static Expression<Func<JobRow, bool>> Claimable(long now) =>
        j => j.Status == JobStatus.Queued || (j.Status == JobStatus.Running && j.LeaseUntil < now);

    /// <summary>
    /// A job whose lease ran out <see cref="ServerOptions.MaxAttempts"/> times (its agent died each time it ran it) is failed
    /// with its reason instead of being offered for ever; its scan fails with it.
    /// </summary>
    private async Task GiveUpAsync(string workerId, long now, CancellationToken ct)
    {
        var exhausted = await db.Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.Status == JobStatus.Running && j.LeaseUntil < now && j.Attempts >= options.MaxAttempts)
            .Select(j => j.Id).ToListAsync(ct);
        foreach (var id in exhausted)
        {
            var failed = await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running && j.LeaseUntil < now)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Failed).SetProperty(j => j.LeaseUntil, (long?)null)
                    .SetProperty(j => j.Error, $"no result after {options.MaxAttempts} attempts: the agent stopped answering each time it ran this job")
                    .SetProperty(j => j.UpdatedAt, now), ct);
            if (failed == 1)
            {
                await db.Scans.Where(s => s.JobId == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Failed), ct);
            }
        }
    }
}
