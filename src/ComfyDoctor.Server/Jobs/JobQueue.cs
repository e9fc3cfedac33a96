using System.Linq.Expressions;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Jobs are rows. An agent claims its oldest queued job — or one whose lease expired because its agent died, or, when it asks
/// for any job, a scan or repair still marked running for it (see <see cref="ClaimableBy"/>) — with a conditional update, so
/// two pollers (or two server replicas) never run the same job. A waiting poll does not query the
/// table: it waits for <see cref="JobSignal"/>, woken when this replica queues a job or when <see cref="JobSweep"/> finds one.
/// </summary>
public sealed class JobQueue(ComfyDoctorDb db, ServerOptions options, JobSignal signal)
{
    /// <param name="onlyKind">Only jobs of this kind (an agent busy with a job asks for blob uploads only); null = any, uploads
    /// first.</param>
    public async Task<JobRow?> ClaimAsync(string workerId, string? onlyKind, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.LongPoll;
        while (true)
        {
            var queued = signal.Next(workerId);
            var now = options.Time.GetUtcNow().ToUnixTimeMilliseconds(); // the lease clock (the long poll below waits in real time)
            var idle = onlyKind == null;
            await GiveUpAsync(workerId, now, idle, ct);
            var candidate = await db
                .Jobs.AsNoTracking()
                .Where(j => j.WorkerId == workerId)
                .Where(ClaimableBy(now, idle))
                .Where(j => onlyKind == null || j.Kind == onlyKind)
                .OrderBy(j => j.Kind == Core.Protocol.AgentProtocol.UploadBlobJob ? 0 : 1)
                .ThenBy(j => j.CreatedAt)
                .Select(j => new { j.Id, j.Attempts })
                .FirstOrDefaultAsync(ct);
            if (candidate is not null)
            {
                var lease = now + (long)options.JobLease.TotalMilliseconds;
                var claimed = await db
                    .Jobs.Where(j => j.Id == candidate.Id && j.Attempts == candidate.Attempts)
                    .ExecuteUpdateAsync(
                        s =>
                            s.SetProperty(j => j.Status, JobStatus.Running)
                                .SetProperty(j => j.LeaseUntil, lease)
                                .SetProperty(j => j.Attempts, candidate.Attempts + 1)
                                .SetProperty(j => j.UpdatedAt, now),
                        ct
                    );
                if (claimed == 1)
                {
                    await db
                        .Scans.Where(s => s.JobId == candidate.Id)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Running), ct);
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
    /// What one poll may take. An agent asks for any job only when it runs none (beside a scan or repair it asks for blob
    /// uploads only, and it delivers a result before it asks again), so when it is <paramref name="idle"/>, a scan or repair
    /// still marked running for it never reached it — the answer to its claim was lost with a server killed mid-reply, or
    /// the agent's process restarted — and is handed to it again now instead of after the lease.
    /// </summary>
    private static Expression<Func<JobRow, bool>> ClaimableBy(long now, bool idle) =>
        j =>
            j.Status == JobStatus.Queued
            || (j.Status == JobStatus.Running && (j.LeaseUntil < now || (idle && j.Kind != Core.Protocol.AgentProtocol.UploadBlobJob)));

    /// <summary>
    /// A job taken back <see cref="ServerOptions.MaxAttempts"/> times (its lease ran out, or its idle agent asked again, each
    /// time it ran it) is failed with its reason instead of being offered for ever; its scan fails with it.
    /// </summary>
    private async Task GiveUpAsync(string workerId, long now, bool idle, CancellationToken ct)
    {
        var exhausted = await db
            .Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.Attempts >= options.MaxAttempts)
            .Where(ClaimableBy(now, idle))
            .Where(j => j.Status == JobStatus.Running)
            .Select(j => new { j.Id, j.Attempts })
            .ToListAsync(ct);
        foreach (var (id, attempts) in exhausted.Select(j => (j.Id, j.Attempts)))
        {
            var failed = await db
                .Jobs.Where(j => j.Id == id && j.Status == JobStatus.Running && j.Attempts == attempts)
                .ExecuteUpdateAsync(
                    s =>
                        s.SetProperty(j => j.Status, JobStatus.Failed)
                            .SetProperty(j => j.LeaseUntil, (long?)null)
                            .SetProperty(
                                j => j.Error,
                                $"no result after {options.MaxAttempts} attempts: each time it was handed out, no result came back "
                                    + "(the agent stopped answering, or its result was refused)"
                            )
                            .SetProperty(j => j.UpdatedAt, now),
                    ct
                );
            if (failed == 1)
            {
                await db.Scans.Where(s => s.JobId == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Failed), ct);
            }
        }
    }
}
