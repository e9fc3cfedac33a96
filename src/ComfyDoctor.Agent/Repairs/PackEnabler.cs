using System.Diagnostics;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// Runs an <see cref="RepairActionKinds.EnableNodePack"/> action: the disabled copy the plan names is moved back beside
/// it, in one rename that never replaces anything (<see cref="NoReplaceRename"/>). Before: the source policy must allow
/// the pack (enabling puts its code in ComfyUI's reach, as an install would), the copy must be one the scan just listed
/// as disabled (so it lies in <c>.disabled/</c> or carries the <c>.disabled</c> suffix in one of ComfyUI's
/// <c>custom_nodes</c> folders) and must still be what was planned (its HEAD commit, its version), else "changed since
/// planned". After: a folder pack must have its <c>__init__.py</c> (else it is put back), and the node types are looked
/// for statically — a type not found is reported "not confirmed statically", never a failure (a static reading can
/// confirm, not refute).
/// </summary>
public static class PackEnabler
{
    /// <param name="scanned">The worker's node packs as the scan before the repair listed them.</param>
    public static async Task<ActionResult> EnableAsync(
        PlannedAction action,
        IReadOnlyList<NodePack> scanned,
        InstallPolicy policy,
        bool dryRun,
        CancellationToken ct
    )
    {
        var started = Stopwatch.GetTimestamp();
        var plan = action.Enable ?? throw new ArgumentException("not an enable action", nameof(action));
        var before = plan.Commit ?? plan.Version;
        ActionResult Result(string outcome, string message, bool restart = false) =>
            new(
                action.Kind,
                action.Subject,
                outcome,
                plan.From,
                before,
                outcome == ActionStates.Done ? before : null,
                message,
                [],
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds
            )
            {
                RestartRequired = restart,
            };

        var decision = SourcePolicy.Judge(new PackInstallRequest(plan.PackName, action.Subject, plan.Version, plan.NodeTypes), policy);
        if (!decision.Allowed)
        {
            return Result(ActionStates.Failed, $"refused by this agent's source policy: {decision.Reason}; {plan.From} left disabled");
        }

        var (target, problem) = Target(plan, scanned);
        problem ??= await ChangedSincePlannedAsync(plan, ct);
        if (problem is not null)
        {
            return Result(ActionStates.Failed, problem);
        }

        if (dryRun)
        {
            return Result(ActionStates.Pending, $"dry run: would move {plan.From} to {target}");
        }

        if (NoReplaceRename.Move(plan.From, target!) is { } moveProblem)
        {
            return Result(ActionStates.Failed, $"not enabled: {moveProblem}; nothing changed");
        }

        if (Directory.Exists(target) && !File.Exists(Path.Combine(target, "__init__.py")))
        {
            var back = NoReplaceRename.Move(target!, plan.From);
            return Result(
                ActionStates.Failed,
                $"{target} has no __init__.py, so ComfyUI cannot load it: "
                    + (back is null ? $"put back at {plan.From}" : $"could not be put back: {back}")
            );
        }

        var found = NodeClassScanner.Scan(target!).ToHashSet(StringComparer.Ordinal);
        var confirmed = plan.NodeTypes.Where(found.Contains).ToList();
        var unconfirmed = plan.NodeTypes.Where(t => !found.Contains(t)).ToList();
        return Result(
            ActionStates.Done,
            $"enabled: moved {plan.From} to {target}"
                + (confirmed.Count > 0 ? $"; provides {string.Join(", ", confirmed)} (found statically)" : "")
                + (unconfirmed.Count > 0 ? $"; not confirmed statically: {string.Join(", ", unconfirmed)}" : "")
                + "; restart ComfyUI to load it",
            restart: true
        );
    }

    /// <summary>Where an enabled copy lives: <see cref="PlannedEnable.PackName"/> in the <c>custom_nodes</c> folder that holds the
    /// disabled copy (the one above <c>.disabled/</c>, or beside a <c>.disabled</c> suffix).</summary>
    public static string EnabledPath(PlannedEnable plan)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(plan.From))!;
        var root = Path.GetFileName(parent) == ManagerLayout.DisabledFolder ? Path.GetDirectoryName(parent)! : parent;
        return Path.Combine(root, plan.PackName);
    }

    /// <summary>Where the copy goes back to, or why it may not move: it must be a disabled copy the scan listed.</summary>
    private static (string? Target, string? Problem) Target(PlannedEnable plan, IReadOnlyList<NodePack> scanned)
    {
        if (SourcePolicy.CheckPackName(plan.PackName) is { } badName)
        {
            return (null, badName);
        }

        var from = Path.GetFullPath(plan.From);
        var parent = Path.GetDirectoryName(from);
        var inDisabledFolder = Path.GetFileName(parent) == ManagerLayout.DisabledFolder;
        var root = inDisabledFolder ? Path.GetDirectoryName(parent) : parent;
        var listed = scanned.Any(p =>
            p.Disabled && p.Name == plan.PackName && string.Equals(Path.GetFullPath(p.Path), from, StringComparison.Ordinal)
        );
        if (root is null || !listed)
        {
            return (
                null,
                $"{plan.From} is not a disabled copy of {plan.PackName} that the scan found in a custom_nodes folder; " + "left untouched"
            );
        }

        if (!Directory.Exists(from) && !File.Exists(from))
        {
            return (null, $"changed since planned: {plan.From} is gone");
        }

        var target = Path.Combine(root, plan.PackName);
        return Path.Exists(target) || new FileInfo(target).LinkTarget is not null
            ? (null, $"{target} already exists (another pack of that name); {plan.From} left disabled")
            : (target, null);
    }

    private static async Task<string?> ChangedSincePlannedAsync(PlannedEnable plan, CancellationToken ct)
    {
        if (plan.Commit is { } planned)
        {
            var head = await GitFactsReader.QueryAsync(plan.From, ct, "rev-parse", "--verify", "--quiet", "HEAD");
            return string.Equals(head, planned, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"changed since planned: {plan.From} is at {head ?? "no readable commit"}, planned at {planned}";
        }

        var version = ManagerLayout.ParseDisabledName(Path.GetFileName(plan.From)).Version
            ?? PyProject.ReadFactsFile(Path.Combine(plan.From, "pyproject.toml")).Version;
        return plan.Version is null || version is null || InstalledPackMatcher.SameVersion(version, plan.Version)
            ? null
            : $"changed since planned: {plan.From} is at {version}, planned at {plan.Version}";
    }
}
