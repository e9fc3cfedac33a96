using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// Keeps a plan within each volume's free space: downloads are counted against the volume of the model root they land
/// in, in plan order (a replaced file is quarantined on the same volume, so it frees nothing); one that would leave less than the margin
/// free becomes an unresolvable <c>disk.low</c> entry. Volumes the scan could not measure are not limited here (each transfer still checks
/// before it writes).
/// </summary>
internal static class DiskBudget
{
    public static RepairPlan Apply(RepairPlan plan, WorkerInventory inventory, long margin)
    {
        var free = inventory.Environment.Disks.ToDictionary(d => d.Mount, d => d.FreeBytes, StringComparer.Ordinal);
        var kept = new List<PlannedAction>();
        var unresolvable = plan.Unresolvable.ToList();
        foreach (var action in plan.Actions)
        {
            var disk = action.Model is { } model ? VolumeOf(model.Identity, inventory) : null;
            var size = action.Model?.Size ?? 0;
            if (disk is null || size == 0)
            {
                kept.Add(action);
                continue;
            }

            if (free[disk.Mount] - size < margin)
            {
                unresolvable.Add(
                    new(
                        FindingCodes.DiskLow,
                        action.Subject,
                        $"needs {Bytes.Format(size)} on {disk.Mount}, which has {Bytes.Format(free[disk.Mount])} free after the "
                            + "downloads planned before it",
                        $"free space on {disk.Mount} (keep {Bytes.Format(margin)} spare), then repair again"
                    )
                );
                continue;
            }

            free[disk.Mount] -= size;
            kept.Add(action);
        }

        return new RepairPlan(kept, unresolvable);
    }

    /// <summary>The volume a model identity's file lands on, when the scan measured it.</summary>
    internal static DiskFacts? VolumeOf(string identity, WorkerInventory inventory)
    {
        if (!ModelIdentity.TryParse(identity, out var parsed, out _))
        {
            return null;
        }

        var root = ModelPlacement.RootFor(parsed, inventory);
        return root is null ? null : inventory.Environment.Disks.FirstOrDefault(d => d.Roots.Contains(root.Path, StringComparer.Ordinal));
    }
}
