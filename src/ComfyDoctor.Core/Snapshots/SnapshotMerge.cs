using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// Folds the snapshots that apply to one worker (its own, its tags') into its expected state beside the workflows' needs.
/// A pack both a snapshot and a workflow name becomes one requirement at the snapshot's commit, carrying the workflow's node
/// types, when they agree (the workflow pins nothing, or the same commit or version); when two snapshots, or a snapshot and
/// a workflow pin, want different commits of one pack (or ComfyUI, or a Python package), neither is chosen: both leave the
/// expected state and the disagreement is a <see cref="SnapshotConflict"/>, judged as a finding.
/// </summary>
public static class SnapshotMerge
{
    public const string RegistryPackUrl = "https://registry.comfy.org/nodes/";

    public static ExpectedState Apply(ExpectedState expected, IReadOnlyList<AppliedSnapshot> snapshots)
    {
        if (snapshots.Count == 0)
        {
            return expected;
        }

        var conflicts = new List<SnapshotConflict>();
        var packs = new List<(RequiredNodePack Pack, bool Disabled)>();
        foreach (var group in GitEntries(snapshots).GroupBy(e => RepoUrl.Normalize(e.Pack.Url), RepoUrl.Comparer))
        {
            var first = group.First();
            if (group.Any(e => e.Pack.Disabled != first.Pack.Disabled || !SameCommit(e.Pack.Hash, first.Pack.Hash)))
            {
                conflicts.Add(new(HealthCategory.Nodes, group.Key, [.. group.Select(e => Wants(e.Label, e.Pack))]));
                continue;
            }

            packs.Add((Required(group.Key, null, first.Pack.Hash, group.Select(e => e.Label)), first.Pack.Disabled));
        }

        foreach (var group in CnrEntries(snapshots).GroupBy(e => e.Pack.Id, StringComparer.OrdinalIgnoreCase))
        {
            var first = group.First();
            if (group.Any(e => !InstalledPackMatcher.SameVersion(e.Pack.Version, first.Pack.Version)))
            {
                conflicts.Add(
                    new(HealthCategory.Nodes, RegistryPackUrl + first.Pack.Id, [.. group.Select(e => $"{e.Label} pins {e.Pack.Version}")])
                );
                continue;
            }

            packs.Add((Required(RegistryPackUrl + first.Pack.Id, first.Pack.Id, first.Pack.Version, group.Select(e => e.Label)), false));
        }

        var workflowPacks = new List<RequiredNodePack>();
        foreach (var need in expected.RequiredNodePacks)
        {
            var index = packs.FindIndex(p => Same(p.Pack, need));
            if (conflicts.FirstOrDefault(c => c.Category == HealthCategory.Nodes && RepoUrl.SameRepo(c.Subject, need.Url)) is { } known)
            {
                conflicts[conflicts.IndexOf(known)] = known with
                {
                    Wants = [.. known.Wants, WorkflowWants(need)],
                    NodeTypes = need.NodeTypes,
                };
            }
            else if (index < 0)
            {
                workflowPacks.Add(need);
            }
            else if (
                packs[index].Disabled
                || need.Pins.Any(p => !InstalledPackMatcher.IsFloating(p)) && !need.Pins.Any(p => Agrees(packs[index].Pack, p))
            )
            {
                var (pack, disabled) = packs[index];
                packs.RemoveAt(index);
                var snapshotSide = disabled
                    ? $"{string.Join(", ", pack.RequiredBy)} has it installed but disabled"
                    : $"{string.Join(", ", pack.RequiredBy)} pins {pack.Version}";
                conflicts.Add(new(HealthCategory.Nodes, pack.Url, [snapshotSide, WorkflowWants(need)]) { NodeTypes = need.NodeTypes });
            }
            else
            {
                var pack = packs[index].Pack;
                packs[index] = (
                    pack with
                    {
                        Id = pack.Id ?? need.Id,
                        NodeTypes = need.NodeTypes,
                        RequiredBy = [.. pack.RequiredBy, .. need.RequiredBy],
                        Reason = $"{pack.Reason}; also {need.Reason}",
                        AlternateUrls = need.AlternateUrls,
                    },
                    false
                );
            }
        }

        var comfyUi = Single(
            snapshots.Where(s => s.Snapshot.ComfyUi is not null).Select(s => (Value: s.Snapshot.ComfyUi!, s.Label)).ToList(),
            "comfyui",
            SameCommit,
            conflicts
        );
        var python = new List<(PipPin, string)>();
        foreach (var group in Pins(snapshots).GroupBy(p => p.Pin.Name, StringComparer.Ordinal))
        {
            if (Single(group.Select(p => (Value: p.Pin, p.Label)).ToList(), group.Key, (a, b) => a == b, conflicts) is { } pin)
            {
                python.Add((pin.Value, pin.From));
            }
        }

        var expectation = new SnapshotExpectation(
            [.. snapshots.Select(s => s.Label)],
            [.. packs.Where(p => !p.Disabled).Select(p => p.Pack)],
            [.. packs.Where(p => p.Disabled).Select(p => p.Pack)],
            [.. snapshots.SelectMany(s => s.Snapshot.FilePacks).DistinctBy(f => f.FileName, StringComparer.Ordinal)],
            comfyUi is { } commit ? (commit.Value, commit.From) : null,
            python,
            conflicts
        );
        return expected with { RequiredNodePacks = workflowPacks, Snapshot = expectation };
    }

    /// <summary>Two commit hashes name the same commit when one is a prefix of the other (short and full hashes).</summary>
    public static bool SameCommit(string a, string b) =>
        a.StartsWith(b, StringComparison.OrdinalIgnoreCase) || b.StartsWith(a, StringComparison.OrdinalIgnoreCase);

    private static (T Value, string From)? Single<T>(
        IReadOnlyList<(T Value, string Label)> wants,
        string subject,
        Func<T, T, bool> same,
        List<SnapshotConflict> conflicts
    )
    {
        if (wants.Count == 0)
        {
            return null;
        }

        if (wants.Any(w => !same(w.Value, wants[0].Value)))
        {
            conflicts.Add(new(HealthCategory.Runtime, subject, [.. wants.Select(w => $"{w.Label} pins {Describe(w.Value)}")]));
            return null;
        }

        return (wants[0].Value, wants[0].Label);
    }

    private static string Describe(object? value) =>
        value is PipPin pin ? pin.Version ?? Text.UrlCredentials.Redact(pin.Url ?? "?") : value?.ToString() ?? "?";

    private static RequiredNodePack Required(string url, string? id, string version, IEnumerable<string> labels)
    {
        var by = labels.Distinct(StringComparer.Ordinal).ToList();
        return new RequiredNodePack(url, id, version, [], by, $"{string.Join(", ", by)} pins {version}");
    }

    private static bool Same(RequiredNodePack snapshot, RequiredNodePack need) =>
        snapshot.Id is { } id
            ? string.Equals(id, need.Id, StringComparison.OrdinalIgnoreCase) || RepoUrl.SameRepo(snapshot.Url, need.Url)
            : RepoUrl.SameRepo(snapshot.Url, need.Url) || need.AlternateUrls.Any(u => RepoUrl.SameRepo(u, snapshot.Url));

    private static bool Agrees(RequiredNodePack snapshot, string pin) =>
        InstalledPackMatcher.IsFloating(pin)
        || (
            InstalledPackMatcher.IsCommitish(pin) && InstalledPackMatcher.IsCommitish(snapshot.Version!)
                ? SameCommit(pin, snapshot.Version!)
                : InstalledPackMatcher.SameVersion(snapshot.Version, pin)
        );

    private static string Wants(string label, SnapshotGitPack pack) =>
        pack.Disabled ? $"{label} pins {pack.Hash} (disabled)" : $"{label} pins {pack.Hash}";

    private static string WorkflowWants(RequiredNodePack need) =>
        need.Version is null
            ? $"workflows {string.Join(", ", need.RequiredBy)} need it enabled"
            : $"workflows {string.Join(", ", need.RequiredBy)} pin {string.Join(" or ", need.Pins)}";

    private static IEnumerable<(string Label, SnapshotGitPack Pack)> GitEntries(IReadOnlyList<AppliedSnapshot> snapshots) =>
        snapshots.SelectMany(s => s.Snapshot.GitPacks.Select(p => (s.Label, p)));

    private static IEnumerable<(string Label, SnapshotCnrPack Pack)> CnrEntries(IReadOnlyList<AppliedSnapshot> snapshots) =>
        snapshots.SelectMany(s => s.Snapshot.CnrPacks.Select(p => (s.Label, p)));

    private static IEnumerable<(string Label, PipPin Pin)> Pins(IReadOnlyList<AppliedSnapshot> snapshots) =>
        snapshots.SelectMany(s => s.Snapshot.Pips.Select(PipPin.Of).OfType<PipPin>().Select(p => (s.Label, p)));
}
