using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// What the fleet's workers reported about packs (<c>worker_pack_nodes</c>, migration 011): per worker, source and pack,
/// from the latest scan that observed that source — its ComfyUI's <c>/object_info</c>, its installed packs' web code —,
/// read for a resolution in one query. A scan that did not reach ComfyUI (or came from an agent that predates these
/// fields) keeps what the worker last reported from that source.
/// </summary>
public static class FleetKnowledge
{
    private static readonly string ObjectInfo = Name(KnownNodeSource.ObjectInfo);
    private static readonly string WebCode = Name(KnownNodeSource.WebCode);

    /// <summary>Every worker's reported packs, as the resolver's <see cref="KnownPackNodes"/>.</summary>
    public static async Task<IReadOnlyList<KnownPackNodes>> LoadAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var rows = await db
            .WorkerPackNodes.AsNoTracking()
            .Join(db.Workers.AsNoTracking(), k => k.WorkerId, w => w.Id, (k, w) => new { w.Name, Row = k })
            .ToListAsync(ct);
        return
        [
            .. rows.OrderBy(r => r.Name, StringComparer.Ordinal)
                .ThenBy(r => r.Row.Source, StringComparer.Ordinal)
                .ThenBy(r => r.Row.Folder, StringComparer.Ordinal)
                .Select(r => Known(r.Row)),
        ];
    }

    /// <summary>Replaces what <paramref name="workerId"/> reported from each source this scan observed, when it changed;
    /// returns the entries with types it did not report before.</summary>
    public static async Task<IReadOnlyList<KnownPackNodes>> StoreAsync(
        ComfyDoctorDb db,
        string workerId,
        WorkerInventory inventory,
        CancellationToken ct
    )
    {
        var observed = new Dictionary<string, IReadOnlyList<KnownPackNodes>>(StringComparer.Ordinal);
        if (inventory.Live?.CustomNodeFolders is not null)
        {
            observed[ObjectInfo] = WorkerKnowledge.ObjectInfo(inventory);
        }

        if (inventory.WebNodeTypes is not null)
        {
            observed[WebCode] = WorkerKnowledge.WebCode(inventory);
        }

        if (observed.Count == 0)
        {
            return [];
        }

        var sources = observed.Keys.ToList();
        var before = await db
            .WorkerPackNodes.AsNoTracking()
            .Where(k => k.WorkerId == workerId && sources.Contains(k.Source))
            .ToListAsync(ct);
        var rows = observed.SelectMany(o => o.Value.Select(k => Row(workerId, o.Key, k, inventory.ScannedAt))).ToList();
        if (Same(before, rows))
        {
            return [];
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.WorkerPackNodes.Where(k => k.WorkerId == workerId && sources.Contains(k.Source)).ExecuteDeleteAsync(ct);
        db.WorkerPackNodes.AddRange(rows);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        var old = before.ToLookup(r => (r.Source, r.Folder, r.Url));
        return
        [
            .. rows.Select(r =>
                    Known(r) with
                    {
                        NodeTypes =
                        [
                            .. Types(r.NodeTypesJson).Except(old[(r.Source, r.Folder, r.Url)].SelectMany(o => Types(o.NodeTypesJson))),
                        ],
                    }
                )
                .Where(k => k.NodeTypes.Count > 0),
        ];
    }

    private static bool Same(List<WorkerPackNodesRow> before, List<WorkerPackNodesRow> now) =>
        before.Count == now.Count
        && now.All(n => before.Any(b => (b.Source, b.Folder, b.Url, b.NodeTypesJson) == (n.Source, n.Folder, n.Url, n.NodeTypesJson)));

    private static WorkerPackNodesRow Row(string workerId, string source, KnownPackNodes known, DateTimeOffset at) =>
        new()
        {
            WorkerId = workerId,
            Source = source,
            Folder = known.Folder,
            Url = known.Url,
            NodeTypesJson = JsonSerializer.Serialize(known.NodeTypes),
            SeenAt = known.Where,
            ReportedAt = at.ToUnixTimeMilliseconds(),
        };

    private static KnownPackNodes Known(WorkerPackNodesRow row) =>
        new(
            row.Folder,
            row.Url,
            Types(row.NodeTypesJson),
            row.Source == WebCode ? KnownNodeSource.WebCode : KnownNodeSource.ObjectInfo,
            row.SeenAt
        );

    private static List<string> Types(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];

    private static string Name(KnownNodeSource source) => JsonNamingPolicy.CamelCase.ConvertName(source.ToString());
}
