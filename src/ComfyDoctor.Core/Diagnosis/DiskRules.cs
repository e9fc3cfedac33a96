using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Free space on each volume that holds model roots.</summary>
internal static class DiskRules
{
    public static IEnumerable<Finding> Check(HealthPolicy policy, WorkerInventory inventory)
    {
        if (inventory.Environment.Disks.Count == 0)
        {
            yield return new Finding(FindingCodes.DiskUnknown, Severity.Warning, "disk",
                "no model volume could be measured", false, HealthCategory.Disk);
            yield break;
        }

        foreach (var disk in inventory.Environment.Disks)
        {
            var fraction = disk.TotalBytes > 0 ? (double)disk.FreeBytes / disk.TotalBytes : 0;
            var severity = disk.FreeBytes < policy.DiskRedFreeBytes || fraction < policy.DiskYellowFreeFraction / 2
                ? Severity.Error
                : disk.FreeBytes < policy.DiskYellowFreeBytes || fraction < policy.DiskYellowFreeFraction
                    ? Severity.Warning
                    : Severity.Info;
            if (severity != Severity.Info)
            {
                yield return new Finding(FindingCodes.DiskLow, severity, disk.Mount,
                    $"{Bytes.Format(disk.FreeBytes)} free of {Bytes.Format(disk.TotalBytes)} ({fraction:P0}) on the volume holding {string.Join(", ", disk.Roots)}",
                    false, HealthCategory.Disk);
            }
        }
    }
}
