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
    IReadOnlyList<Finding> Findings,
    WorkerInventory Inventory
)
{
    public static WorkerReport From(WorkerInventory inventory, Verdict verdict) =>
        new(
            inventory.Worker,
            inventory.ScannedAt,
            verdict.Health,
            verdict
                .Findings.OrderByDescending(f => f.Severity)
                .ThenBy(f => f.Category)
                .ThenBy(f => f.Code, StringComparer.Ordinal)
                .ThenBy(f => f.Subject, StringComparer.Ordinal)
                .ToList(),
            inventory
        );
}
