using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Comparison;

/// <summary>One attribute across workers: each worker's value (<c>absent</c> when it lacks it) and which cells differ.</summary>
/// <param name="Differs">Per worker: its value differs from the reference worker's, or (without one) from the majority.</param>
public sealed record ComparisonRow(
    string Attribute,
    string Category,
    IReadOnlyDictionary<string, string> Values,
    IReadOnlyDictionary<string, bool> Differs
)
{
    public bool Uniform => !Differs.Values.Any(d => d);
}

public sealed record ComparisonResult(IReadOnlyList<string> Workers, string? Reference, IReadOnlyList<ComparisonRow> Rows);

/// <summary>
/// "Worker 1 has model X but worker 2 doesn't": lines up the inventories of several workers attribute by attribute —
/// every model (by SHA-256), every node pack (by commit, tag or version), Python, torch, CUDA, driver, ComfyUI (version and
/// commit), free disk, and every Python package of ComfyUI's interpreter (<see cref="RuntimeAttributes"/>).
/// </summary>
public static class FleetComparison
{
    public const string Absent = "absent";

    public static ComparisonResult Compare(IReadOnlyList<WorkerInventory> workers, string? reference)
    {
        var names = workers.Select(w => w.Worker).ToList();
        if (reference is not null && !names.Contains(reference, StringComparer.Ordinal))
        {
            throw new ArgumentException($"reference worker '{reference}' is not among the compared workers", nameof(reference));
        }

        var attributes = new SortedDictionary<(string Category, string Attribute), Dictionary<string, string>>();
        foreach (var worker in workers)
        {
            foreach (var (category, attribute, value) in Attributes(worker))
            {
                if (!attributes.TryGetValue((category, attribute), out var values))
                {
                    attributes[(category, attribute)] = values = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                values.TryAdd(worker.Worker, value);
            }
        }

        var byName = workers
            .GroupBy(w => w.Worker, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var rows = attributes
            .Select(a =>
            {
                var values = names.ToDictionary(
                    n => n,
                    n => a.Value.GetValueOrDefault(n) ?? RuntimeAttributes.Missing(byName.GetValueOrDefault(n), a.Key.Category),
                    StringComparer.Ordinal
                );
                var judged = values.Values.Where(v => !RuntimeAttributes.Unjudged(a.Key.Category, v)).ToList();
                var expected = reference is not null ? values[reference] : Majority(judged.Count > 0 ? judged : values.Values);
                return new ComparisonRow(
                    a.Key.Attribute,
                    a.Key.Category,
                    values,
                    names.ToDictionary(
                        n => n,
                        n => values[n] != expected && !RuntimeAttributes.Unjudged(a.Key.Category, values[n], expected),
                        StringComparer.Ordinal
                    )
                );
            })
            .ToList();
        return new ComparisonResult(names, reference, rows);
    }

    private static IEnumerable<(string Category, string Attribute, string Value)> Attributes(WorkerInventory w)
    {
        foreach (var model in w.Models)
        {
            yield return (
                "models",
                model.Identity,
                (model.Sha256 is { } sha ? sha[..Math.Min(16, sha.Length)] : "unhashed") + KindNote(model)
            );
        }

        foreach (var pack in w.NodePacks.Where(p => !p.Disabled))
        {
            var version = pack.Git?.Tag ?? pack.Git?.Commit?[..Math.Min(12, pack.Git.Commit.Length)] ?? pack.ProjectVersion ?? "present";
            yield return ("nodes", pack.Git?.Remote ?? pack.Name, version + (pack.Git?.Dirty == true ? " (dirty)" : ""));
        }

        var env = w.Environment;
        yield return ("runtime", "python", env.Python?.Version ?? "unknown");
        yield return ("runtime", "torch", env.Python?.Torch ?? "unknown");
        yield return ("runtime", "cuda", env.Python?.TorchCuda ?? "unknown");
        yield return ("runtime", "driver", env.Gpus.Count > 0 ? env.Gpus[0].DriverVersion ?? "unknown" : "unknown");
        yield return ("runtime", "gpus", env.Gpus.Count == 0 ? "none" : string.Join(" + ", env.Gpus.Select(g => g.Name)));
        yield return ("runtime", "comfyui", env.ComfyUiVersion ?? w.Live?.ComfyUiVersion ?? "unknown");
        foreach (var attribute in RuntimeAttributes.Of(w))
        {
            yield return attribute;
        }

        foreach (var disk in env.Disks)
        {
            yield return ("disk", "free " + disk.Mount, Bytes.Format(disk.FreeBytes));
        }
    }

    /// <summary>What the header says the model is, after its hash: <c> · LoRA, SDXL</c>; nothing when not classified.</summary>
    private static string KindNote(ModelFile model) =>
        model.Format.Architecture is { KindKnown: true } a
            ? $" · {ModelKinds.Display(a.Kind)}{(a.FamilyKnown ? ", " + ModelFamilies.Display(a.Family) : "")}"
            : "";

    /// <summary>The most common value; ties go to the first in order.</summary>
    private static string Majority(IEnumerable<string> values) =>
        values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).First().Key;
}
