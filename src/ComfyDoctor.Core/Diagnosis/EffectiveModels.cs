using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>The model file that counts for each identity: ComfyUI loads the first file it finds for a name, in root
/// order, so later copies of the same identity are shadowed.</summary>
internal static class EffectiveModels
{
    public static Dictionary<string, ModelFile> Of(WorkerInventory inventory)
    {
        var effective = new Dictionary<string, ModelFile>(StringComparer.Ordinal);
        foreach (var model in inventory.Models)
        {
            effective.TryAdd(model.Identity, model);
        }

        return effective;
    }
}
