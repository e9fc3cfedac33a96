using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Reports;

/// <summary>
/// The report of one worker: the shape of <c>check --json</c> and of the server's integrity report.
/// <c>{"worker", "scannedAt", "health": {"models", "nodes", "disk", "runtime"}, "findings": [...], "inventory": {...}}</c>.
/// </summary>
public sealed record WorkerReport(
    string Worker,
    DateTimeOffset ScannedAt,
    HealthLights Health,
    IReadOnlyList<ReportFinding> Findings,
    WorkerInventory Inventory)
{
    public static WorkerReport From(WorkerInventory inventory, Verdict verdict) => new(
        inventory.Worker,
        inventory.ScannedAt,
        new HealthLights(verdict.Health[HealthCategory.Models], verdict.Health[HealthCategory.Nodes],
            verdict.Health[HealthCategory.Disk], verdict.Health[HealthCategory.Runtime]),
        verdict.Findings
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.Category)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ThenBy(f => f.Subject, StringComparer.Ordinal)
            .Select(f => new ReportFinding(f.Code, f.Severity, f.Subject, f.Message, f.Repairable, f.Category) { NodeTypes = f.NodeTypes })
            .ToList(),
        inventory);

    public bool AnyRed => Health.All.Any(l => l == Light.Red);
}

public sealed record HealthLights(Light Models, Light Nodes, Light Disk, Light Runtime)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<Light> All => [Models, Nodes, Disk, Runtime];
}

public sealed record ReportFinding(string Code, Severity Severity, string Subject, string Message, bool Repairable, HealthCategory Category)
{
    /// <summary>The node types a node finding is about (<see cref="Finding.NodeTypes"/>); null otherwise.</summary>
    public IReadOnlyList<string>? NodeTypes { get; init; }
}
