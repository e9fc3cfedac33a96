using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Scans;

/// <summary>Queues one scan job per worker: from the API, or from the schedule.</summary>
public sealed class ScanRequests(ComfyDoctorDb db, AuditTrail audit, JobSignal signal)
{
    public sealed record Started(string Worker, string ScanId, string JobId);

    /// <summary>The scans queued; refused (and audited, nothing queued) when some names are not registered.</summary>
    public async Task<Outcome<IReadOnlyList<Started>>> QueueAsync(
        IReadOnlyList<string>? names,
        bool deep,
        string actor,
        CancellationToken ct
    )
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        if (names is { Count: > 0 })
        {
            var unknown = names.Except(workers.Select(w => w.Name), StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                var why = $"unknown workers: {string.Join(", ", unknown)}";
                await audit.AppendAsync(actor, "scan.request", string.Join(",", names), $"deep={deep}", "refused: " + why, ct);
                return ProblemTypes.UnknownWorker.Because(why);
            }

            workers = workers.Where(w => names.Contains(w.Name, StringComparer.Ordinal)).ToList();
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var started = new List<Started>();
        foreach (var worker in workers)
        {
            var (job, scan) = ScanJobs.Add(db, worker.Id, deep, now);
            started.Add(new Started(worker.Name, scan.Id, job.Id));
        }

        // The jobs, the scans and their audit record commit together; only then are the agents woken.
        await audit.AppendAsync(
            actor,
            "scan.request",
            string.Join(",", started.Select(s => s.Worker)),
            $"deep={deep}",
            $"{started.Count} queued",
            ct
        );
        foreach (var worker in workers)
        {
            signal.Notify(worker.Id);
        }

        return started;
    }
}
