using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// A worker against the snapshots that apply to it (issue 19.2): each pack at the snapshot's commit or version
/// (<c>node.missing</c>, <c>node.disabled</c>, <c>node.version-mismatch</c>: repairable), packs present but in no snapshot
/// (<c>node.unexpected</c>: yellow, never removed automatically), ComfyUI's commit (<c>comfyui.version-mismatch</c>), each
/// pinned Python package (<c>python.package-mismatch</c>; the torch family and CUDA wheels are said to be so, and only an
/// admin's explicit allowance lets a repair change them), and every conflict between expectations (<c>snapshot.conflict</c>).
/// </summary>
internal static class SnapshotRules
{
    public static IEnumerable<Finding> Check(ExpectedState expected, WorkerInventory inventory)
    {
        if (expected.Snapshot is not { } snapshot)
        {
            return [];
        }

        return Conflicts(snapshot)
            .Concat(Packs(snapshot, inventory))
            .Concat(Unexpected(expected, snapshot, inventory))
            .Concat(ComfyUi(snapshot, inventory))
            .Concat(Python(snapshot, inventory))
            .Concat(UnexpectedPackages.Check(snapshot, inventory));
    }

    private static IEnumerable<Finding> Conflicts(SnapshotExpectation snapshot) =>
        snapshot.Conflicts.Select(c => new Finding(
            FindingCodes.SnapshotConflict,
            Severity.Error,
            c.Subject,
            $"wanted at different versions: {string.Join("; ", c.Wants)}; nothing is changed until one of them is corrected",
            false,
            c.Category
        )
        {
            NodeTypes = c.NodeTypes.Count > 0 ? c.NodeTypes : null,
        });

    private static IEnumerable<Finding> Packs(SnapshotExpectation snapshot, WorkerInventory inventory)
    {
        var enabled = inventory.NodePacks.Where(p => !p.Disabled).ToList();
        foreach (var pack in snapshot.Packs)
        {
            var types = pack.NodeTypes.Count > 0 ? pack.NodeTypes : null;
            var installed = enabled.FirstOrDefault(p => InstalledPackMatcher.Matches(p, pack));
            if (installed is null)
            {
                yield return DisabledCopies.Best(inventory, pack) is { } copy
                    ? new Finding(
                        FindingCodes.NodeDisabled,
                        Severity.Error,
                        pack.Url,
                        $"installed but disabled at {copy.Path} ({DisabledCopies.VersionOf(copy) ?? "version unknown"}); {pack.Reason}; "
                            + "a repair enables it in place",
                        true,
                        HealthCategory.Nodes
                    )
                    {
                        NodeTypes = types,
                    }
                    : new Finding(
                        FindingCodes.NodeMissing,
                        Severity.Error,
                        pack.Url,
                        $"not installed; {pack.Reason}",
                        true,
                        HealthCategory.Nodes
                    )
                    {
                        NodeTypes = types,
                    };
            }
            else if (!InstalledPackMatcher.IsAtVersion(installed, pack.Version!))
            {
                yield return new Finding(
                    FindingCodes.NodeVersionMismatch,
                    Severity.Warning,
                    pack.Url,
                    $"'{installed.Name}' is at {Describe(installed)}, {pack.Reason}",
                    true,
                    HealthCategory.Nodes
                )
                {
                    NodeTypes = types,
                };
            }
        }
    }

    private static IEnumerable<Finding> Unexpected(ExpectedState expected, SnapshotExpectation snapshot, WorkerInventory inventory)
    {
        var labels = string.Join(" and ", snapshot.Labels);
        var known = snapshot
            .Packs.Concat(expected.RequiredNodePacks)
            .Concat(snapshot.Conflicts.Where(c => c.Category == HealthCategory.Nodes).Select(Conflicting))
            .ToList();
        var files = snapshot.Files.ToLookup(f =>
            f.FileName.EndsWith(".disabled", StringComparison.Ordinal) ? f.FileName[..^9] : f.FileName
        );
        foreach (var pack in inventory.NodePacks.Where(p => !p.Disabled).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (pack.IsFile ? files[pack.Name].Any(f => !f.Disabled) : known.Any(r => InstalledPackMatcher.Matches(pack, r)))
            {
                continue;
            }

            var why = pack.IsFile ? files[pack.Name].Any() : snapshot.DisabledPacks.Any(r => InstalledPackMatcher.Matches(pack, r));
            yield return new Finding(
                FindingCodes.NodeUnexpected,
                Severity.Warning,
                pack.Name,
                (why ? $"enabled, but {labels} has it disabled" : $"installed at {Describe(pack)}, but {labels} does not list it")
                    + "; nothing is removed or disabled automatically",
                false,
                HealthCategory.Nodes
            );
        }

        foreach (var file in snapshot.Files.Where(f => !f.Disabled && !inventory.NodePacks.Any(p => p.IsFile && p.Name == f.FileName)))
        {
            yield return new Finding(
                FindingCodes.NodeMissing,
                Severity.Warning,
                file.FileName,
                $"single-file pack not installed; {labels} lists it, and a single file has no source to restore it from",
                false,
                HealthCategory.Nodes
            );
        }
    }

    /// <summary>A pack in conflict is judged by its conflict alone, never also as unexpected.</summary>
    private static RequiredNodePack Conflicting(SnapshotConflict conflict) =>
        new(
            conflict.Subject,
            conflict.Subject.StartsWith(SnapshotMerge.RegistryPackUrl, StringComparison.Ordinal)
                ? conflict.Subject[SnapshotMerge.RegistryPackUrl.Length..]
                : null,
            null,
            [],
            [],
            ""
        );

    private static IEnumerable<Finding> ComfyUi(SnapshotExpectation snapshot, WorkerInventory inventory)
    {
        if (snapshot.ComfyUi is not var (commit, from))
        {
            yield break;
        }

        var checkout = inventory.Environment.ComfyUi;
        if (checkout?.Commit is not { } current)
        {
            yield return new Finding(
                FindingCodes.ComfyUiVersionMismatch,
                Severity.Warning,
                "comfyui",
                $"ComfyUI's commit is unknown (not a git checkout, or an agent that does not report it); {from} pins {Short(commit)}",
                false,
                HealthCategory.Runtime
            );
        }
        else if (!SnapshotMerge.SameCommit(current, commit))
        {
            yield return new Finding(
                FindingCodes.ComfyUiVersionMismatch,
                Severity.Warning,
                "comfyui",
                $"ComfyUI is at {Short(current)}{(checkout.Version is { } v ? $" ({v})" : "")}"
                    + $"{(checkout.Dirty == true ? " with local changes" : "")}, "
                    + $"{from} pins {Short(commit)}",
                false,
                HealthCategory.Runtime
            );
        }
    }

    private static IEnumerable<Finding> Python(SnapshotExpectation snapshot, WorkerInventory inventory)
    {
        if (snapshot.Python.Count == 0)
        {
            yield break;
        }

        if (inventory.Environment.Python?.Packages is not { } packages)
        {
            yield return new Finding(
                FindingCodes.PythonPackageMismatch,
                Severity.Warning,
                "python",
                $"the agent did not report ComfyUI's Python packages (an older agent, or the probe failed): {snapshot.Python.Count} pins "
                    + "cannot be compared",
                false,
                HealthCategory.Runtime
            );
            yield break;
        }

        var installed = packages.ToDictionary(p => PipPin.Normalize(p.Name), StringComparer.Ordinal);
        foreach (var (pin, from) in snapshot.Python.OrderBy(p => p.Pin.Name, StringComparer.Ordinal))
        {
            var have = installed.GetValueOrDefault(pin.Name);
            if (have is not null && (pin.Version is { } version ? have.Version == version : UrlCredentials.SameUrl(have.Url, pin.Url)))
            {
                continue;
            }

            var family = TorchFamily.Contains(pin.Name, pin.Version) || TorchFamily.Contains(pin.Name, have?.Version);
            yield return new Finding(
                FindingCodes.PythonPackageMismatch,
                Severity.Warning,
                pin.Name,
                (have is null ? "not installed" : $"is {have.Version}")
                    + (have?.Url is { } url ? $" from {UrlCredentials.Redact(url)}" : "")
                    + $", {from} pins {pin.Version ?? UrlCredentials.Redact(pin.Url!)}"
                    + (family ? "; torch family or CUDA wheel: reported, changed only when the admin allows it (allow-torch-family)" : ""),
                true,
                HealthCategory.Runtime
            );
        }
    }

    private static string Describe(NodePack pack) =>
        pack.Git?.Tag ?? (pack.Git?.Commit is { } c ? Short(c) : null) ?? pack.ProjectVersion ?? "an unknown version";

    private static string Short(string commit) => commit[..Math.Min(12, commit.Length)];
}
