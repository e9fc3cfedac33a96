using System.Collections.Concurrent;
using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>A finished scan at a glance: a light per category and, for each light that is not green, why in one line.</summary>
public sealed record ScanSummary(HealthLights Health, IReadOnlyDictionary<HealthCategory, string> Reasons)
{
    /// <summary>The most severe finding of a category, with a count of the others: "model.corrupted loras/x (+2 more)".</summary>
    public static string Reason(string code, string subject, int count) => $"{code} {subject}" + (count > 1 ? $" (+{count - 1} more)" : "");
}

/// <summary>
/// Summaries of finished scans, by scan id. A finished scan never changes, so each is read once per replica and the
/// fleet page of 1,000 workers does not re-read 1,000 scans' findings on every view.
/// </summary>
public sealed class ScanSummaries
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<string, ScanSummary> _byScan = new(StringComparer.Ordinal);

    public bool TryGet(string scanId, out ScanSummary summary) => _byScan.TryGetValue(scanId, out summary!);

    private long _catalogVersion = -1;

    /// <summary>Forgets every summary once the node catalog's version moved (a change on any replica judges the latest
    /// scans again): one small read per fleet page.</summary>
    public async Task FollowCatalogAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var version = await db
            .CatalogState.AsNoTracking()
            .Where(s => s.Id == Catalog.CatalogStateRow.CurrentId)
            .Select(s => s.Version)
            .FirstOrDefaultAsync(ct);
        if (Interlocked.Exchange(ref _catalogVersion, version) != version)
        {
            _byScan.Clear();
        }
    }

    /// <summary>
    /// Reads and keeps the summaries of finished scans: the stored lights, and per category the first finding above info
    /// (findings are stored most severe first) with a count — three queries per call, whatever the number of findings.
    /// </summary>
    public async Task LoadAsync(ComfyDoctorDb db, IReadOnlyCollection<string> scanIds, CancellationToken ct)
    {
        var ids = scanIds.ToList();
        var lights = await LatestScans.HealthAsync(db, ids, ct);
        var groups = await db
            .ScanFindings.AsNoTracking()
            .Where(f => ids.Contains(f.ScanId) && f.Severity > (int)Severity.Info)
            .GroupBy(f => new { f.ScanId, f.Category })
            .Select(g => new
            {
                g.Key.ScanId,
                g.Key.Category,
                First = g.Min(f => f.Seq),
                Count = g.Count(),
            })
            .ToListAsync(ct);
        // One query for the first findings: the seqs of all scans at once, then only each scan's own pairs kept.
        var wanted = groups.Select(g => (g.ScanId, g.First)).ToHashSet();
        var seqs = groups.Select(g => g.First).Distinct().ToList();
        var firsts = (
            await db
                .ScanFindings.AsNoTracking()
                .Where(f => ids.Contains(f.ScanId) && seqs.Contains(f.Seq))
                .Select(f => new
                {
                    f.ScanId,
                    f.Seq,
                    f.Json,
                })
                .ToListAsync(ct)
        ).Where(f => wanted.Contains((f.ScanId, f.Seq))).ToDictionary(f => (f.ScanId, f.Seq), f => f.Json);
        var byScan = groups.ToLookup(g => g.ScanId, StringComparer.Ordinal);
        if (_byScan.Count + ids.Count > Capacity)
        {
            _byScan.Clear();
        }

        foreach (var (scanId, json) in lights)
        {
            var reasons = byScan[scanId]
                .ToDictionary(
                    g => (HealthCategory)g.Category,
                    g =>
                    {
                        var first = ReportJson.Deserialize<Finding>(firsts[(scanId, g.First)])!;
                        return ScanSummary.Reason(first.Code, first.Subject, g.Count);
                    }
                );
            _byScan[scanId] = new ScanSummary(JsonSerializer.Deserialize<HealthLights>(json, ReportJson.Options)!, reasons);
        }
    }
}
