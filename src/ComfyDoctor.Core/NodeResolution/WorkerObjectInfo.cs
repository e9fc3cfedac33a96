using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// What a worker's running ComfyUI teaches the resolver: the custom node types its <c>/object_info</c> reported
/// (<see cref="LiveComfyUi.CustomNodeFolders"/>), one <see cref="KnownPackNodes"/> per pack folder, with the folder's
/// git remote from the same inventory when the pack is a checkout (else the catalog is asked by folder name).
/// </summary>
public static class WorkerObjectInfo
{
    public static IReadOnlyList<KnownPackNodes> Known(WorkerInventory inventory)
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
}
