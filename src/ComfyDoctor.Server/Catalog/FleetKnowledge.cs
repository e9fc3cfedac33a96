using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// What the fleet's ComfyUI instances reported (<c>worker_pack_nodes</c>, migration 011): kept per worker and pack folder
/// from the latest scan that reached ComfyUI, read for a resolution in one query. A scan that did not reach ComfyUI (or
/// came from an agent that predates <see cref="LiveComfyUi.CustomNodeFolders"/>) keeps what the worker last reported.
/// </summary>
public static class FleetKnowledge
{
    /// <summary>Every worker's reported packs, as the resolver's <see cref="KnownPackNodes"/> (where = the worker's name).</summary>
    public static async Task<IReadOnlyList<KnownPackNodes>> LoadAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var rows = await db
            .WorkerPackNodes.AsNoTracking()
            .Join(
                db.Workers.AsNoTracking(),
                k => k.WorkerId,
                w => w.Id,
                (k, w) =>
                    new
                    {
                        w.Name,
                        k.Folder,
                        k.Url,
                        k.NodeTypesJson,
                    }
            )
            .ToListAsync(ct);
        return
        [
            .. rows.OrderBy(r => r.Name, StringComparer.Ordinal)
                .ThenBy(r => r.Folder, StringComparer.Ordinal)
                .Select(r => new KnownPackNodes(r.Folder, r.Url, Types(r.NodeTypesJson), KnownNodeSource.ObjectInfo, r.Name)),
        ];
    }

    /// <summary>Replaces what <paramref name="workerId"/> reported when its ComfyUI now reports something else; returns the
    /// entries with the types it did not report before (none when nothing changed or ComfyUI was not reached).</summary>
    public static async Task<IReadOnlyList<KnownPackNodes>> StoreAsync(
        ComfyDoctorDb db,
        string workerId,
        WorkerInventory inventory,
        CancellationToken ct
    )
    {
        if (inventory.Live?.CustomNodeFolders is null)
        {
            return [];
        }

        var now = WorkerObjectInfo.Known(inventory);
        var before = (await db.WorkerPackNodes.AsNoTracking().Where(k => k.WorkerId == workerId).ToListAsync(ct)).ToDictionary(
            k => k.Folder,
            StringComparer.Ordinal
        );
        var fresh = now.Where(k => !before.TryGetValue(k.Folder, out var row) || row.Url != k.Url || row.NodeTypesJson != Json(k.NodeTypes))
            .ToList();
        if (fresh.Count == 0 && before.Count == now.Count)
        {
            return [];
        }

        var reportedAt = inventory.ScannedAt.ToUnixTimeMilliseconds();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.WorkerPackNodes.Where(k => k.WorkerId == workerId).ExecuteDeleteAsync(ct);
        db.WorkerPackNodes.AddRange(
            now.Select(k => new WorkerPackNodesRow
            {
                WorkerId = workerId,
                Folder = k.Folder,
                Url = k.Url,
                NodeTypesJson = Json(k.NodeTypes),
                ReportedAt = reportedAt,
            })
        );
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return
        [
            .. fresh.Select(k =>
                k with
                {
                    NodeTypes =
                        before.TryGetValue(k.Folder, out var row) && row.Url == k.Url
                            ? [.. k.NodeTypes.Except(Types(row.NodeTypesJson), StringComparer.Ordinal)]
                            : k.NodeTypes,
                }
            ),
        ];
    }

    private static string Json(IReadOnlyList<string> types) => JsonSerializer.Serialize(types);

    private static List<string> Types(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];
}
