using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// What one worker teaches the resolver beyond the catalog: the custom node types its running ComfyUI's
/// <c>/object_info</c> reported (<see cref="LiveComfyUi.CustomNodeFolders"/>), one <see cref="KnownPackNodes"/> per pack
/// folder with the folder's git remote from the same inventory when the pack is a checkout (else the catalog is asked by
/// folder name), and the frontend-only types its installed packs' web code registers
/// (<see cref="WorkerInventory.WebNodeTypes"/>), each said to be seen on this worker.
/// </summary>
public static class WorkerKnowledge
{
    public static IReadOnlyList<KnownPackNodes> Known(WorkerInventory inventory) => [.. ObjectInfo(inventory), .. WebCode(inventory)];

    public static IReadOnlyList<KnownPackNodes> ObjectInfo(WorkerInventory inventory)
    {
        if (inventory.Live?.CustomNodeFolders is not { Count: > 0 } folders)
        {
            return [];
        }

        var remotes = inventory
            .NodePacks.Where(p => !p.IsFile && !p.Disabled && p.Git?.Remote is { Length: > 0 })
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Git!.Remote, StringComparer.Ordinal);
        return folders
            .GroupBy(f => f.Value, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new KnownPackNodes(
                g.Key,
                remotes.GetValueOrDefault(g.Key),
                g.Select(f => f.Key).Order(StringComparer.Ordinal).ToList(),
                KnownNodeSource.ObjectInfo,
                inventory.Worker
            ))
            .ToList();
    }

    public static IReadOnlyList<KnownPackNodes> WebCode(WorkerInventory inventory) =>
        [
            .. (inventory.WebNodeTypes ?? [])
                .Where(k => k.NodeTypes.Count > 0)
                .Select(k => k with { Source = KnownNodeSource.WebCode, Where = $"{inventory.Worker}: {k.Where}" }),
        ];
}
