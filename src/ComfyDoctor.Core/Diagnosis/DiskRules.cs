using System.Globalization;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Free space on each volume that holds model roots.</summary>
internal static class DiskRules
{
    public static IEnumerable<Finding> Check(HealthPolicy policy, WorkerInventory inventory)
    {
        if (inventory.Environment.Disks.Count == 0)
        {
            yield return new Finding(
                FindingCodes.DiskUnknown,
                Severity.Warning,
                "disk",
                "no model volume could be measured",
                false,
                HealthCategory.Disk
            );
            yield break;
        }

        foreach (var disk in inventory.Environment.Disks)
        {
            var fraction = disk.TotalBytes > 0 ? (double)disk.FreeBytes / disk.TotalBytes : 0;
            var reason = Crossed(disk.FreeBytes < policy.DiskRedFreeBytes, Bytes.Format(policy.DiskRedFreeBytes), Severity.Error)
                ?? Crossed(
                    fraction < policy.DiskYellowFreeFraction / 2,
                    (policy.DiskYellowFreeFraction / 2).ToString("P0", CultureInfo.InvariantCulture),
                    Severity.Error
                )
                ?? Crossed(disk.FreeBytes < policy.DiskYellowFreeBytes, Bytes.Format(policy.DiskYellowFreeBytes), Severity.Warning)
                ?? Crossed(
                    fraction < policy.DiskYellowFreeFraction,
                    policy.DiskYellowFreeFraction.ToString("P0", CultureInfo.InvariantCulture),
                    Severity.Warning
                );
            if (reason is not null)
            {
                yield return new Finding(
                    FindingCodes.DiskLow,
                    reason.Value.Severity,
                    disk.Mount,
                    $"{Bytes.Format(disk.FreeBytes)} free of {Bytes.Format(disk.TotalBytes)} "
                        + $"({fraction.ToString("P0", CultureInfo.InvariantCulture)}), "
                        + $"under the {reason.Value.Why} threshold, on the volume holding {string.Join(", ", disk.Roots)}",
                    false,
                    HealthCategory.Disk
                );
            }
        }
    }

    /// <summary>The first threshold crossed names itself in the message: "23.5 GiB free of 23.5 GiB (100 %)" alone reads as no
    /// problem.</summary>
    private static (Severity Severity, string Why)? Crossed(bool crossed, string threshold, Severity severity) =>
        crossed ? (severity, $"{threshold} {(severity == Severity.Error ? "red" : "yellow")}") : null;
}
