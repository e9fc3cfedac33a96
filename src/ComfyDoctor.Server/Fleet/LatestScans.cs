using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Fleet;

/// <summary>The head of a worker's latest scan, without its (large) report.</summary>
public sealed record ScanHead(string Id, string WorkerId, string Status, long RequestedAt, long? ScannedAt);

/// <summary>
/// Each worker's latest scan (or latest finished scan) in a fixed number of queries whatever the fleet size: the newest
/// request time per worker grouped in SQL, then the scans requested at those times.
/// </summary>
public static class LatestScans
{
    public static Task<Dictionary<string, ScanHead>> HeadsAsync(ComfyDoctorDb db, bool finishedOnly, CancellationToken ct) =>
        HeadsAsync(db, finishedOnly, null, ct);

    /// <summary>The latest scan of the given workers (by worker id; every worker when null): a page about one worker
    /// groups that worker's scans, not the fleet's.</summary>
    public static async Task<Dictionary<string, ScanHead>> HeadsAsync(
        ComfyDoctorDb db,
        bool finishedOnly,
        IReadOnlyCollection<string>? workerIds,
        CancellationToken ct
    )
    {
        var ids = workerIds?.ToList();
        var scans = db
            .Scans.AsNoTracking()
            .Where(s => (!finishedOnly || s.Status == JobStatus.Done) && (ids == null || ids.Contains(s.WorkerId)));
        var newest = await scans
            .GroupBy(s => s.WorkerId)
            .Select(g => new { WorkerId = g.Key, At = g.Max(s => s.RequestedAt) })
            .ToListAsync(ct);
        var times = newest.Select(n => n.At).Distinct().ToList();
        var candidates = (
            await scans
                .Where(s => times.Contains(s.RequestedAt))
                .Select(s => new ScanHead(s.Id, s.WorkerId, s.Status, s.RequestedAt, s.ScannedAt))
                .ToListAsync(ct)
        ).ToLookup(c => (c.WorkerId, c.RequestedAt));
        return newest.ToDictionary(n => n.WorkerId, n => candidates[(n.WorkerId, n.At)].MaxBy(c => c.Id)!);
    }

    /// <summary>The stored lights (the report's <c>health</c> object) of the given scans, by scan id: no report is read.</summary>
    public static async Task<Dictionary<string, string>> HealthAsync(
        ComfyDoctorDb db,
        IReadOnlyCollection<string> scanIds,
        CancellationToken ct
    )
    {
        var ids = scanIds.ToList();
        return await db
            .Scans.AsNoTracking()
            .Where(s => ids.Contains(s.Id) && s.HealthJson != null)
            .ToDictionaryAsync(s => s.Id, s => s.HealthJson!, ct);
    }

    /// <summary>The head of the latest finished scan of each named worker (every worker when <paramref name="names"/> is null), in name
    /// order.</summary>
    public static async Task<List<(string Worker, ScanHead Head)>> FinishedHeadsAsync(
        ComfyDoctorDb db,
        IReadOnlyCollection<string>? names,
        CancellationToken ct
    )
    {
        var wanted = names?.ToList();
        var workers = await db
            .Workers.AsNoTracking()
            .Where(w => wanted == null || wanted.Contains(w.Name))
            .OrderBy(w => w.Name)
            .Select(w => new { w.Id, w.Name })
            .ToListAsync(ct);
        var heads = await HeadsAsync(db, finishedOnly: true, wanted is null ? null : [.. workers.Select(w => w.Id)], ct);
        return workers.Where(w => heads.ContainsKey(w.Id)).Select(w => (w.Name, heads[w.Id])).ToList();
    }

    /// <summary>
    /// The latest finished report of each named worker (every worker when <paramref name="names"/> is null), whole, by
    /// worker name: for the dependency graph and registry adoption. Pages, comparisons and repair plans read less
    /// (<see cref="StoredReports"/>, <see cref="BoundedComparison"/>).
    /// </summary>
    public static async Task<List<WorkerReport>> FinishedReportsAsync(
        ComfyDoctorDb db,
        IReadOnlyCollection<string>? names,
        CancellationToken ct
    )
    {
        var reports = new List<WorkerReport>();
        foreach (var (_, head) in await FinishedHeadsAsync(db, names, ct))
        {
            if (await StoredReports.LoadAsync(db, head.Id, ct) is { } report)
            {
                reports.Add(report);
            }
        }

        return reports;
    }
}
