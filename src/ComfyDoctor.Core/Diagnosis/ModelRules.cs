using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Models: registry entries against the files found, format checks, workflow references.</summary>
internal static class ModelRules
{
    public static IEnumerable<Finding> Check(ExpectedState expected, WorkerInventory inventory)
    {
        var effective = EffectiveModels.Of(inventory);

        foreach (var entry in expected.Registry.Entries.OrderBy(e => e.Identity, StringComparer.Ordinal))
        {
            if (!effective.TryGetValue(entry.Identity, out var file))
            {
                yield return Error(
                    FindingCodes.ModelMissing,
                    entry.Identity,
                    "not found under any model root" + SourceNote(entry.Urls.Count),
                    entry.Urls.Count > 0
                );
                continue;
            }

            if (file.Sha256 is null)
            {
                yield return Warn(
                    FindingCodes.ModelUnhashed,
                    entry.Identity,
                    $"could not be hashed: {file.Format.Message ?? "unreadable"}"
                );
            }
            else if (!string.Equals(file.Sha256, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                yield return Error(
                    FindingCodes.ModelCorrupted,
                    entry.Identity,
                    $"SHA-256 {Short(file.Sha256)} differs from the registry's {Short(entry.Sha256)}{SizeNote(file.Size, entry.Size)}",
                    entry.Urls.Count > 0
                );
            }
        }

        var registryKnown = !expected.Registry.IsEmpty;
        foreach (var file in effective.Values.OrderBy(f => f.Identity, StringComparer.Ordinal))
        {
            var entry = expected.Registry.Find(file.Identity);
            foreach (var finding in FormatFindings(file, entry?.Urls.Count > 0))
            {
                yield return finding;
            }

            if (registryKnown && entry is null)
            {
                yield return new Finding(
                    FindingCodes.ModelUnknown,
                    Severity.Warning,
                    file.Identity,
                    $"present ({Bytes.Format(file.Size)}) but not in the registry",
                    false,
                    HealthCategory.Models
                );
            }
        }

        foreach (var skipped in (inventory.Skipped ?? []).OrderBy(s => s.Identity, StringComparer.Ordinal))
        {
            yield return Skipped(skipped);
        }

        foreach (var required in expected.RequiredModels.OrderBy(m => m.Identity, StringComparer.Ordinal))
        {
            if (!IsPresent(required.Identity, effective) && expected.Registry.Find(required.Identity) is null)
            {
                yield return Error(
                    FindingCodes.ModelMissing,
                    required.Identity,
                    $"needed by {string.Join(", ", required.RequiredBy)} but not found" + SourceNote(required.Url is null ? 0 : 1),
                    required.Url is not null
                );
            }
        }
    }

    /// <summary>A workflow that does not say which folder a file belongs to (<c>unknown/x</c>) is satisfied by any folder.</summary>
    private static bool IsPresent(string identity, Dictionary<string, ModelFile> effective) =>
        identity.StartsWith(ModelReference.UnknownFolder, StringComparison.Ordinal)
            ? effective.Keys.Any(k => ModelReference.Satisfies(identity, k))
            : effective.ContainsKey(identity);

    private static IEnumerable<Finding> FormatFindings(ModelFile file, bool fixable)
    {
        var check = file.Format;
        switch (check.Status)
        {
            case FormatStatus.Invalid:
                yield return Error(FindingCodes.ModelInvalid, file.Identity, $"{check.Format}: {check.Message}", fixable);
                break;
            case FormatStatus.Unsafe:
                yield return Error(FindingCodes.ModelUnsafe, file.Identity, $"{check.Format}: {check.Message}", fixable);
                break;
            case FormatStatus.Suspicious:
                yield return Warn(FindingCodes.ModelSuspicious, file.Identity, $"{check.Format}: {check.Message}");
                break;
            case FormatStatus.Valid:
            case FormatStatus.Unchecked:
            default:
                break;
        }
    }

    /// <summary>Yellow: nothing a render can load, but something the scan could not vouch for.</summary>
    private static Finding Skipped(SkippedEntry entry) =>
        entry.Reason switch
        {
            SkipReason.NotAFile => Warn(
                FindingCodes.ModelNotAFile,
                entry.Identity,
                $"{entry.Message} named like a model file: never opened, not a model (ComfyUI lists the name but cannot load it)"
            ),
            SkipReason.LinkLoop => Warn(
                FindingCodes.ModelUnreadable,
                entry.Identity,
                $"symbolic link loop ({entry.Message}): the name never reaches a file"
            ),
            _ => Warn(
                FindingCodes.ModelUnreadable,
                entry.Identity,
                $"folder cannot be read ({entry.Message}): the models in it were not checked"
            ),
        };

    private static Finding Error(string code, string subject, string message, bool repairable) =>
        new(code, Severity.Error, subject, message, repairable, HealthCategory.Models);

    private static Finding Warn(string code, string subject, string message) =>
        new(code, Severity.Warning, subject, message, false, HealthCategory.Models);

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private static string SourceNote(int sources) => sources > 0 ? "" : " (no download source known)";

    private static string SizeNote(long actual, long? expected) =>
        expected is { } size && size != actual
            ? $"; size {Bytes.Format(actual)} instead of {Bytes.Format(size)}{(actual < size ? " (truncated)" : "")}"
            : "";
}
