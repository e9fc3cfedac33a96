using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// What a model file is against where it sits and what is expected of it: <c>model.misplaced</c> (red) for a kind the
/// folder's loader will not load; <c>model.architecture-mismatch</c>, red when the registry's kind or family differs from
/// the header's, yellow when a workflow loads a base model of one family beside an add-on of another. Only known kinds
/// and families are compared: unknown is never a finding.
/// </summary>
internal static class ArchitectureRules
{
    /// <summary>Kinds that work only with a base model of their own family.</summary>
    private static readonly HashSet<string> AddOns = new(StringComparer.Ordinal)
    {
        ModelKinds.Lora,
        ModelKinds.ControlNet,
        ModelKinds.IpAdapter,
        ModelKinds.Embedding,
    };

    public static IEnumerable<Finding> Check(ExpectedState expected, WorkerInventory inventory)
    {
        var effective = EffectiveModels.Of(inventory);

        return Misplaced(effective.Values).Concat(RegistryMismatches(expected, effective)).Concat(WorkflowMismatches(expected, effective));
    }

    private static ModelArchitecture? Known(ModelFile file) =>
        file.Format is { Status: FormatStatus.Valid, Architecture: { KindKnown: true } architecture } ? architecture : null;

    private static IEnumerable<Finding> Misplaced(IEnumerable<ModelFile> files)
    {
        foreach (var file in files.OrderBy(f => f.Identity, StringComparer.Ordinal))
        {
            if (
                ModelIdentity.TryParse(file.Identity, out var identity, out _)
                && Known(file) is { } architecture
                && KindFolders.BelongsElsewhere(architecture.Kind, identity.FolderKey) is { } home
            )
            {
                var folder = identity.FolderKey;
                yield return new Finding(
                    FindingCodes.ModelMisplaced,
                    Severity.Error,
                    file.Identity,
                    $"the header says {architecture.Describe()}; ComfyUI's {KindFolders.LoaderOf(folder)} will not load a "
                        + $"{ModelKinds.Display(architecture.Kind)} from {folder}/: it belongs in {home}/",
                    false,
                    HealthCategory.Models
                );
            }
        }
    }

    private static IEnumerable<Finding> RegistryMismatches(ExpectedState expected, Dictionary<string, ModelFile> effective)
    {
        foreach (
            var entry in expected
                .Registry.Entries.Where(e => e.Kind is not null || e.Family is not null)
                .OrderBy(e => e.Identity, StringComparer.Ordinal)
        )
        {
            if (!effective.TryGetValue(entry.Identity, out var file) || Known(file) is not { } architecture)
            {
                continue;
            }

            var kindDiffers = entry.Kind is { } kind && kind != architecture.Kind;
            var familyDiffers = entry.Family is { } family && architecture.FamilyKnown && family != architecture.Family;
            if (!kindDiffers && !familyDiffers)
            {
                continue;
            }

            var said = string.Join(
                ", ",
                new[]
                {
                    entry.Kind is null ? null : ModelKinds.Display(entry.Kind),
                    entry.Family is null ? null : ModelFamilies.Display(entry.Family),
                }.Where(s => s is not null)
            );
            var sameBytes = string.Equals(file.Sha256, entry.Sha256, StringComparison.OrdinalIgnoreCase)
                ? "; the file's SHA-256 is the registry's, so the registry entry is likely what is wrong"
                : "";
            yield return new Finding(
                FindingCodes.ModelArchitectureMismatch,
                Severity.Error,
                entry.Identity,
                $"the registry says {said}; the file's header says {architecture.Describe()}{sameBytes}",
                false,
                HealthCategory.Models
            );
        }
    }

    /// <summary>
    /// A workflow whose base models (checkpoints, diffusion models) are all of one family, and an add-on it loads of
    /// another. Inferred from the models the workflow lists, not from its wiring: a warning, with the evidence.
    /// </summary>
    private static IEnumerable<Finding> WorkflowMismatches(ExpectedState expected, Dictionary<string, ModelFile> effective)
    {
        var workflows = expected
            .RequiredModels.SelectMany(m => m.RequiredBy.Select(w => (Workflow: w, m.Identity)))
            .GroupBy(x => x.Workflow, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var workflow in workflows)
        {
            var files = workflow
                .Select(x => Resolve(x.Identity, effective))
                .OfType<ModelFile>()
                .Where(f => Known(f)?.FamilyKnown == true)
                .DistinctBy(f => f.Identity)
                .OrderBy(f => f.Identity, StringComparer.Ordinal)
                .ToList();
            var bases = files.Where(f => Known(f)!.Kind is ModelKinds.Checkpoint or ModelKinds.DiffusionModel).ToList();
            if (bases.Select(f => Known(f)!.Family).Distinct().Count() != 1)
            {
                continue;
            }

            var family = Known(bases[0])!.Family;
            foreach (var addOn in files.Where(f => AddOns.Contains(Known(f)!.Kind) && Known(f)!.Family != family))
            {
                var architecture = Known(addOn)!;
                yield return new Finding(
                    FindingCodes.ModelArchitectureMismatch,
                    Severity.Warning,
                    addOn.Identity,
                    $"workflow '{workflow.Key}' loads {bases[0].Identity} ({ModelFamilies.Display(family)}) and this "
                        + $"{ModelKinds.Display(architecture.Kind)} for "
                        + $"{ModelFamilies.Display(architecture.Family)}: an add-on works only with a model of its own family (a "
                        + "LoRA's keys match no layer of another). "
                        + "Inferred from the models the workflow lists, not its wiring",
                    false,
                    HealthCategory.Models
                );
            }
        }
    }

    private static ModelFile? Resolve(string identity, Dictionary<string, ModelFile> effective) =>
        effective.TryGetValue(identity, out var file) ? file
        : identity.StartsWith(ModelReference.UnknownFolder, StringComparison.Ordinal)
            ? effective
                .Values.Where(f => ModelReference.Satisfies(identity, f.Identity))
                .OrderBy(f => f.Identity, StringComparer.Ordinal)
                .FirstOrDefault()
        : null;
}
