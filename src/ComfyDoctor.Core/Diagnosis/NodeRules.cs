using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Node packs: the packs workflows need against the packs installed, and the state of each checkout.</summary>
internal static class NodeRules
{
    public static IEnumerable<Finding> Check(ExpectedState expected, WorkerInventory inventory)
    {
        var enabled = inventory.NodePacks.Where(p => !p.Disabled).ToList();
        // When ComfyUI was reachable, the types it really loaded are the truth; else the types found statically in enabled packs.
        var provided = new HashSet<string>(inventory.Live?.NodeTypes ?? enabled.SelectMany(p => p.NodeClasses), StringComparer.Ordinal);

        foreach (var required in expected.RequiredNodePacks.OrderBy(p => p.Url, RepoUrl.Comparer))
        {
            var installed = enabled.FirstOrDefault(p => InstalledPackMatcher.Matches(p, required));
            if (installed is null)
            {
                var lacking = required.NodeTypes.Where(t => !provided.Contains(t)).ToList();
                if (lacking.Count == 0)
                {
                    continue; // another installed pack (a fork, a repackaging) provides every type
                }

                var needed = $"provides {string.Join(", ", lacking)} for {string.Join(", ", required.RequiredBy)}" + VersionNote(required);
                yield return DisabledCopies.Best(inventory, required) is { } disabled
                    ? new Finding(
                        FindingCodes.NodeDisabled,
                        Severity.Error,
                        required.Url,
                        $"installed but disabled at {disabled.Path} ({DisabledCopies.VersionOf(disabled) ?? "version unknown"}, matched by "
                            + $"{InstalledPackMatcher.Evidence(disabled, required)}); a repair enables it in place; {needed}",
                        true,
                        HealthCategory.Nodes
                    )
                    {
                        NodeTypes = lacking,
                    }
                    : new Finding(
                        FindingCodes.NodeMissing,
                        Severity.Error,
                        required.Url,
                        $"not installed; {needed}; {required.Reason}",
                        true,
                        HealthCategory.Nodes
                    )
                    {
                        NodeTypes = lacking,
                    };
            }
            else if (required.Version is not null && !required.Pins.Any(v => InstalledPackMatcher.IsAtVersion(installed, v)))
            {
                yield return new Finding(
                    FindingCodes.NodeVersionMismatch,
                    Severity.Warning,
                    required.Url,
                    $"'{installed.Name}' is at {Describe(installed)}, workflows pin {string.Join(" or ", required.Pins)}"
                        + Matched(installed, required),
                    true,
                    HealthCategory.Nodes
                )
                {
                    NodeTypes = required.NodeTypes,
                };
            }
        }

        foreach (var unresolved in expected.UnresolvedNodes.OrderBy(u => u.NodeType, StringComparer.Ordinal))
        {
            if (!provided.Contains(unresolved.NodeType))
            {
                yield return new Finding(
                    FindingCodes.NodeUnresolved,
                    Severity.Error,
                    unresolved.NodeType,
                    $"no known pack provides it (needed by {string.Join(", ", unresolved.RequiredBy)})",
                    false,
                    HealthCategory.Nodes
                )
                {
                    NodeTypes = [unresolved.NodeType],
                };
            }
        }

        foreach (var pack in inventory.NodePacks.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (!pack.Disabled && inventory.Live is not null && pack.NodeClasses.Count > 0 && !pack.NodeClasses.Any(provided.Contains))
            {
                yield return new Finding(
                    FindingCodes.NodeImportFailed,
                    Severity.Error,
                    pack.Name,
                    $"none of its {pack.NodeClasses.Count} node types ({string.Join(", ", pack.NodeClasses.Take(5))}) is loaded by "
                        + "the running ComfyUI: its import failed",
                    false,
                    HealthCategory.Nodes
                );
            }

            if (pack.Disabled && !expected.RequiredNodePacks.Any(r => InstalledPackMatcher.Matches(pack, r)))
            {
                yield return new Finding(
                    FindingCodes.NodeDisabled,
                    Severity.Info,
                    pack.Name,
                    "disabled (ComfyUI skips it)",
                    false,
                    HealthCategory.Nodes
                );
            }
            else if (pack.Git is { Dirty: true })
            {
                yield return new Finding(
                    FindingCodes.NodeDirty,
                    Severity.Warning,
                    pack.Name,
                    $"local changes to tracked files at {Describe(pack)}",
                    false,
                    HealthCategory.Nodes
                );
            }
        }
    }

    /// <summary>How a pack installed under another name or remote was recognised; nothing for the plain case.</summary>
    private static string Matched(NodePack pack, RequiredNodePack required) =>
        InstalledPackMatcher.Evidence(pack, required) is { } why && why != "its git remote" ? $" (recognised by {why})" : "";

    private static string VersionNote(RequiredNodePack required) =>
        required.Version is null ? "" : $" (pinned {string.Join(" or ", required.Pins)})";

    private static string Describe(NodePack pack) =>
        pack.Git?.Tag ?? pack.Git?.Commit?[..Math.Min(12, pack.Git.Commit.Length)] ?? pack.ProjectVersion ?? "an unknown version";
}
