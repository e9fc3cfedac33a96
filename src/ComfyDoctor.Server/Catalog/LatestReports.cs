using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// Each worker's latest finished report for the whole fleet in a fixed number of queries, whatever its size: the heads
/// (<see cref="LatestScans.HeadsAsync"/>), then their stored heads (<c>results_json</c>: the inventory without its models)
/// with the workers' names in one query, and their findings rows in one more. Read before a write transaction opens.
/// </summary>
public static class LatestReports
{
    /// <summary>Which findings rows to read with the heads.</summary>
    public enum FindingRows
    {
        None,
        Nodes,
        All,
    }

    /// <param name="Head">The stored report without models (and without findings: those are <see cref="Findings"/>); null when
    /// only the findings were asked for.</param>
    public sealed record Latest(string ScanId, string WorkerId, string Worker, WorkerReport? Head, IReadOnlyList<Finding> Findings);

    /// <param name="scanIds">Only these scans (latest ones found late, inside a transaction); null = every worker's latest.</param>
    public static async Task<IReadOnlyList<Latest>> LoadAsync(
        ComfyDoctorDb db,
        bool heads,
        FindingRows findings,
        CancellationToken ct,
        IReadOnlyCollection<string>? scanIds = null
    )
    {
        var ids = scanIds?.ToList() ?? [.. (await LatestScans.HeadsAsync(db, finishedOnly: true, ct)).Values.Select(h => h.Id)];
        if (ids.Count == 0)
        {
            return [];
        }

        var scans = await db
            .Scans.AsNoTracking()
            .Where(s => ids.Contains(s.Id) && s.ResultsJson != null)
            .Join(
                db.Workers.AsNoTracking(),
                s => s.WorkerId,
                w => w.Id,
                (s, w) =>
                    new
                    {
                        s.Id,
                        s.WorkerId,
                        w.Name,
                        Json = heads ? s.ResultsJson : null,
                    }
            )
            .ToListAsync(ct);
        var rows = findings == FindingRows.None ? [] : await FindingsAsync(db, ids, findings == FindingRows.Nodes, ct);
        return scans
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new Latest(
                s.Id,
                s.WorkerId,
                s.Name,
                s.Json is null ? null : ReportJson.Deserialize<WorkerReport>(s.Json),
                rows.TryGetValue(s.Id, out var list) ? list : []
            ))
            .Where(l => !heads || l.Head is not null)
            .ToList();
    }

    private static async Task<Dictionary<string, List<Finding>>> FindingsAsync(
        ComfyDoctorDb db,
        List<string> ids,
        bool nodesOnly,
        CancellationToken ct
    )
    {
        var nodes = (int)HealthCategory.Nodes;
        var rows = await db
            .ScanFindings.AsNoTracking()
            .Where(f => ids.Contains(f.ScanId) && (!nodesOnly || f.Category == nodes))
            .OrderBy(f => f.ScanId)
            .ThenBy(f => f.Seq)
            .Select(f => new { f.ScanId, f.Json })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.ScanId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g =>
                    g.Select(r => ReportJson.Deserialize<Finding>(r.Json) ?? throw new InvalidDataException("a stored finding is null"))
                        .ToList(),
                StringComparer.Ordinal
            );
    }
}
