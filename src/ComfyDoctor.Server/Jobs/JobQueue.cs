namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Jobs are rows. An agent claims its oldest queued job — or one whose lease expired because its agent died, or, when it asks
/// for any job, a scan or repair still marked running for it (see <see cref="ClaimableBy"/>) — with a conditional update, so
/// two pollers (or two server replicas) never run the same job. A poll looks at its worker's jobs once, then waits without
/// touching the store until <see cref="JobSignal"/> says a job was queued for the worker (on any replica), the earliest lease
/// of its running jobs runs out (a timer, not a query), or its own length (<see cref="PollLength"/>) is over. A renewed poll of a
/// worker that had no job and got no wake-up since does not look at all (<see cref="QuietWorkers"/>, PostgreSQL). Every look
/// waits for a turn of the replica's <see cref="PollAdmission"/>, so a scan that wakes thousands of polls at once claims
/// through a few connections at a time instead of queueing them all on the pool.
/// </summary>
public sealed class JobQueue(ComfyDoctorDb db, ServerOptions options, JobSignal signal, QuietWorkers quiet)
{
    /// <param name="onlyKind">Only jobs of this kind (an agent busy with a job asks for blob uploads only); null = any, uploads
    /// first.</param>
    /// <param name="turns">The poll's admission: each look at the store, with the claim it makes, is done in one of its turns
    /// (the first is held already); a woken poll that gets no turn before its end returns nothing, and its agent's next poll
    /// looks.</param>
    public async Task<JobRow?> ClaimAsync(string workerId, string? onlyKind, PollAdmission.Ticket turns, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + PollLength(options.LongPoll);
        while (true)
        {
            var queued = signal.Next(workerId);
            if (!await turns.TakeTurnAsync(deadline - DateTime.UtcNow, ct))
            {
                return null;
            }

            Look look;
            try
            {
                look = await LookAsync(workerId, onlyKind, queued, ct);
            }
            finally
            {
                turns.EndTurn();
            }

            if (look.Claimed is not null)
            {
                return look.Claimed;
            }

            if (look.Lost)
            {
                continue; // someone else took it
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            if (await WaitAsync(queued, left, look.UntilLeaseEnds, ct))
            {
                return null; // the poll's end, nothing woke it: no second look (a job queued now wakes the next poll's look)
            }
        }
    }

    /// <summary>One look at the worker's jobs, and the claim of the one it may take.</summary>
    /// <param name="Claimed">The job claimed now.</param>
    /// <param name="Lost">A job was claimable but another poll took it first: look again.</param>
    /// <param name="UntilLeaseEnds">When the earliest lease of the worker's running jobs runs out (the lease clock).</param>
    private sealed record Look(JobRow? Claimed, bool Lost, TimeSpan? UntilLeaseEnds);

    private async Task<Look> LookAsync(string workerId, string? onlyKind, Task queued, CancellationToken ct)
    {
        var now = options.Time.GetUtcNow().ToUnixTimeMilliseconds(); // the lease clock (the long poll waits in real time)
        var idle = onlyKind == null;
        List<WorkerJob> jobs = [];
        if (!quiet.Unchanged(workerId, queued)) // a renewal with nothing new since an empty look waits without a query
        {
            jobs = await db
                .Jobs.AsNoTracking()
                .Where(j => j.WorkerId == workerId && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
                .Select(j => new WorkerJob(j.Id, j.Kind, j.Status, j.Attempts, j.LeaseUntil, j.CreatedAt))
                .ToListAsync(ct);
            quiet.Looked(workerId, queued, jobs.Count == 0);
        }

        var claimable = jobs.Where(j => ClaimableBy(j, now, idle)).ToList();
        var exhausted = claimable.Where(j => j.Status == JobStatus.Running && j.Attempts >= options.MaxAttempts).ToList();
        await GiveUpAsync(exhausted, now, ct);
        var candidate = claimable
            .Except(exhausted)
            .Where(j => onlyKind == null || j.Kind == onlyKind)
            .OrderBy(j => j.Kind == Core.Protocol.AgentProtocol.UploadBlobJob ? 0 : 1)
            .ThenBy(j => j.CreatedAt)
            .FirstOrDefault();
        if (candidate is not null)
        {
            var claimed = await TryClaimAsync(candidate, now, ct);
            return new Look(claimed, claimed is null, null);
        }

        var leaseEnds = jobs.Where(j => j.Status == JobStatus.Running && j.LeaseUntil > now && (onlyKind == null || j.Kind == onlyKind))
            .Select(j => j.LeaseUntil)
            .Min();
        return new Look(null, false, leaseEnds is { } end ? TimeSpan.FromMilliseconds(end - now + 1) : null);
    }

    /// <summary>How long one poll waits at most: between 80 % and 100 % of <paramref name="longPoll"/>, drawn for each poll, so
    /// the polls of agents that connected together (a server restart) do not all end, and come back, in the same second.</summary>
    public static TimeSpan PollLength(TimeSpan longPoll) => longPoll * (0.8 + (Random.Shared.NextDouble() * 0.2));

    /// <summary>Waits for the worker's signal, the poll's deadline (real time) or the next lease end (the lease clock); true when
    /// the deadline alone ended the wait.</summary>
    private async Task<bool> WaitAsync(Task queued, TimeSpan left, TimeSpan? untilLeaseEnds, CancellationToken ct)
    {
        using var timers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var deadline = Task.Delay(left, timers.Token);
        var lease = untilLeaseEnds is { } wait ? Task.Delay(wait, options.Time, timers.Token) : Task.Delay(Timeout.Infinite, timers.Token);
        await Task.WhenAny(queued, deadline, lease);
        var ended = deadline.IsCompletedSuccessfully && !queued.IsCompleted && !lease.IsCompletedSuccessfully;
        await timers.CancelAsync(); // the timers not fired are dropped now, not at their end
        ct.ThrowIfCancellationRequested();
        return ended;
    }

    private async Task<JobRow?> TryClaimAsync(WorkerJob candidate, long now, CancellationToken ct)
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
        if (claimed != 1)
        {
            return null;
        }

        await db.Scans.Where(s => s.JobId == candidate.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Running), ct);
        return await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, ct);
    }

    /// <summary>The columns of a worker's queued or running job that a claim decides on (a worker has a handful at most).</summary>
    private sealed record WorkerJob(string Id, string Kind, string Status, int Attempts, long? LeaseUntil, long CreatedAt);

    /// <summary>
    /// What one poll may take: a queued job, or a running one whose lease ran out (its agent died). An agent asks for any job
    /// only when it runs none (beside a scan or repair it asks for blob uploads only, and it delivers a result before it asks
    /// again), so when it is <paramref name="idle"/>, a scan or repair still marked running for it never reached it — the
    /// answer to its claim was lost with a server killed mid-reply, or the agent's process restarted — and is handed to it
    /// again now instead of after the lease.
    /// </summary>
    private static bool ClaimableBy(WorkerJob j, long now, bool idle) =>
        j.Status == JobStatus.Queued
        || (j.Status == JobStatus.Running && (j.LeaseUntil < now || (idle && j.Kind != Core.Protocol.AgentProtocol.UploadBlobJob)));

    /// <summary>
    /// A job taken back <see cref="ServerOptions.MaxAttempts"/> times (its lease ran out, or its idle agent asked again, each
    /// time it ran it) is failed with its reason instead of being offered for ever; its scan fails with it.
    /// </summary>
    private async Task GiveUpAsync(IEnumerable<WorkerJob> exhausted, long now, CancellationToken ct)
    {
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
