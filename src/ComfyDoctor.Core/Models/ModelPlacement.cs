using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Models;

/// <summary>Where a model of a worker lands: the root of the file ComfyUI loads now, else the first root of its folder key.</summary>
public static class ModelPlacement
{
    public static ModelRoot? RootFor(ModelIdentity identity, WorkerInventory inventory)
    {
        var existing = inventory.Models.FirstOrDefault(m => m.Identity == identity.Value);
        var roots = inventory.ModelRoots.Where(r => r.FolderKey == identity.FolderKey).ToList();
        return roots.FirstOrDefault(r =>
            existing is not null && existing.Path.StartsWith(r.Path + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        ) ?? roots.FirstOrDefault();
    }
}
