using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Dependencies;

/// <summary>One copy of an orphaned model: where it lies and on which volume (null when no measured volume holds it).</summary>
public sealed record OrphanCopy(string Worker, string Path, long Size, string? Volume);

/// <summary>A model no registered workflow uses, with every copy of it and the bytes they take together.</summary>
public sealed record OrphanedModel(string Identity, long Bytes, IReadOnlyList<OrphanCopy> Copies);

/// <summary>What deleting the orphans would free on one volume of one worker.</summary>
public sealed record VolumeSavings(string Worker, string? Volume, long Bytes, int Files);

/// <summary>
/// Models installed on workers but used by no registered workflow (a <c>unknown/x</c> reference keeps <c>x</c> in any
/// folder), with their sizes and the disk they would free per worker and volume.
/// </summary>
public sealed record OrphanedModels(IReadOnlyList<OrphanedModel> Models, IReadOnlyList<VolumeSavings> Volumes, long TotalBytes)
{
    public static OrphanedModels Find(IReadOnlyList<WorkflowNeeds> workflows, IReadOnlyList<WorkerInventory> workers)
    {
        var used = workflows.SelectMany(w => w.Models).ToHashSet(StringComparer.Ordinal);
        var copies = workers
            .SelectMany(w =>
                w.Models.Where(m => !used.Any(u => ModelReference.Satisfies(u, m.Identity)))
                    .Select(m => (m.Identity, Copy: new OrphanCopy(w.Worker, m.Path, m.Size, VolumeOf(w.Environment.Disks, m.Path))))
            )
            .ToList();
        var models = copies
            .GroupBy(c => c.Identity, StringComparer.Ordinal)
            .Select(g => new OrphanedModel(
                g.Key,
                g.Sum(c => c.Copy.Size),
                g.Select(c => c.Copy).OrderBy(c => c.Worker, StringComparer.Ordinal).ToList()
            ))
            .OrderByDescending(m => m.Bytes)
            .ThenBy(m => m.Identity, StringComparer.Ordinal)
            .ToList();
        var volumes = copies
            .GroupBy(c => (c.Copy.Worker, c.Copy.Volume))
            .Select(g => new VolumeSavings(g.Key.Worker, g.Key.Volume, g.Sum(c => c.Copy.Size), g.Count()))
            .OrderBy(v => v.Worker, StringComparer.Ordinal)
            .ThenBy(v => v.Volume, StringComparer.Ordinal)
            .ToList();
        return new OrphanedModels(models, volumes, models.Sum(m => m.Bytes));
    }

    /// <summary>The mount of the volume whose model roots hold <paramref name="path"/> (the longest root wins).</summary>
    private static string? VolumeOf(IReadOnlyList<DiskFacts> disks, string path) =>
        disks
            .SelectMany(d => d.Roots.Select(r => (d.Mount, Root: r.TrimEnd('/', '\\'))))
            .Where(r => path.StartsWith(r.Root + "/", StringComparison.Ordinal) || path.StartsWith(r.Root + "\\", StringComparison.Ordinal))
            .OrderByDescending(r => r.Root.Length)
            .Select(r => r.Mount)
            .FirstOrDefault();
}
