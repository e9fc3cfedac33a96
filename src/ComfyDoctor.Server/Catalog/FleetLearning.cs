using System.Data.Common;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Store;
using ComfyDoctor.Server.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// Learns from workers' ComfyUI: a stored scan's <c>/object_info</c> knowledge is kept (<see cref="FleetKnowledge"/>), and
/// when it newly reports a custom node type that a registered workflow needs and nothing resolved (a type generated at run
/// time, a JavaScript-only node), loaded from a pack the server can tell (its git remote, or its folder name in the
/// catalog), the fleet is resolved again at once with that evidence (<see cref="CatalogService.ResolveFleetAsync"/>) and
/// the reports are judged again. Other changes in what workers report count at the next re-resolution (catalog, pins, a
/// registration, <c>POST /admin/workflows/resolve</c>).
/// </summary>
public sealed partial class FleetLearning(ComfyDoctorDb db, CatalogService catalog, ILogger<FleetLearning> logger)
{
    public const string Actor = "server";

    /// <summary>After a scan of <paramref name="workerId"/> was stored; the types that made the fleet resolve again, if any.
    /// The scan is stored whatever happens here: a store that fails now (a conflict, a lost connection) is logged, and the
    /// worker's next scan reports the same again.</summary>
    public async Task<IReadOnlyList<string>> AfterScanAsync(string workerId, WorkerInventory inventory, CancellationToken ct)
    {
        try
        {
            return await LearnAsync(workerId, inventory, ct);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            LearningFailed(logger, inventory.Worker, e.Message);
            db.ChangeTracker.Clear(); // nothing half-staged reaches the caller's next save
            return [];
        }
    }

    private async Task<IReadOnlyList<string>> LearnAsync(string workerId, WorkerInventory inventory, CancellationToken ct)
    {
        var fresh = await FleetKnowledge.StoreAsync(db, workerId, inventory, ct);
        if (fresh.Count == 0)
        {
            return [];
        }

        var unresolved = (await db.Workflows.AsNoTracking().Select(w => w.RequirementsJson).ToListAsync(ct))
            .SelectMany(json => ReportJson.Deserialize<WorkflowRegistration.Requirements>(json)?.Unresolved ?? [])
            .Select(u => u.NodeType)
            .ToHashSet(StringComparer.Ordinal);
        if (unresolved.Count == 0)
        {
            return [];
        }

        var current = await catalog.CurrentAsync(ct);
        var taught = fresh
            .Where(k => PackKnowledge.Identifies(k, current.Catalog))
            .SelectMany(k => k.NodeTypes.Where(unresolved.Contains).Select(t => $"{t} (custom_nodes/{k.Folder})"))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (taught.Count > 0)
        {
            await catalog.ResolveFleetAsync(Actor, $"{inventory.Worker} reports {string.Join(", ", taught)}", ct);
        }

        return taught;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "what {Worker}'s ComfyUI reported was not learned: {Error}")]
    private static partial void LearningFailed(ILogger logger, string worker, string error);
}
