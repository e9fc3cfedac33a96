using System.Collections.Concurrent;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>A finished scan at a glance: a light per category and, for each light that is not green, why in one line.</summary>
public sealed record ScanSummary(HealthLights Health, IReadOnlyDictionary<HealthCategory, string> Reasons)
{
    public Light Worst => Health.All.Max();

    public Light this[HealthCategory category] => category switch
    {
        HealthCategory.Models => Health.Models,
        HealthCategory.Nodes => Health.Nodes,
        HealthCategory.Disk => Health.Disk,
        _ => Health.Runtime,
    };

    /// <summary>The most severe finding of a category, with a count of the others: "model.corrupted loras/x (+2 more)".</summary>
    public static ScanSummary From(HealthLights health, IReadOnlyList<ReportFinding> findings) => new(health, findings
        .Where(f => f.Severity > Severity.Info).GroupBy(f => f.Category)
        .ToDictionary(g => g.Key, g =>
        {
            var first = g.OrderByDescending(f => f.Severity).First();
            return $"{first.Code} {first.Subject}" + (g.Count() > 1 ? $" (+{g.Count() - 1} more)" : "");
        }));
}

/// <summary>
/// Summaries of finished scans, by scan id. A finished scan never changes, so each report is parsed once per replica
/// and the fleet page of 1,000 workers does not re-read 1,000 reports on every view.
/// </summary>
public sealed class ScanSummaries
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<string, ScanSummary> _byScan = new(StringComparer.Ordinal);

    public bool TryGet(string scanId, out ScanSummary summary) => _byScan.TryGetValue(scanId, out summary!);

    public ScanSummary Add(string scanId, string reportJson)
    {
        var shape = ReportJson.Deserialize<Shape>(reportJson) ?? throw new InvalidDataException($"scan {scanId}: unreadable report");
        if (_byScan.Count >= Capacity)
        {
            _byScan.Clear();
        }

        return _byScan[scanId] = ScanSummary.From(shape.Health, shape.Findings);
    }

    /// <summary>The parts of a stored report a summary needs (the inventory is skipped).</summary>
    private sealed record Shape(HealthLights Health, IReadOnlyList<ReportFinding> Findings);
}
