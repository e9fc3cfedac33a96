namespace ComfyDoctor.Core.Repair;

/// <summary>
/// Actions of one plan that succeed together or not at all (<see cref="PlannedAction.Unit"/>): the agent runs them after the
/// plan's other actions, stops at the first that does not end done, and undoes the ones before it — packs back on their
/// commits (or removed when the unit installed them, disabled again when it enabled them) and ComfyUI's Python packages
/// back to what <c>pip list</c> showed before the unit began — so a worker is either restored or as it was, never half-way.
/// </summary>
public static class RepairUnits
{
    /// <summary>A snapshot restore: the packs and Python packages that move a worker to its snapshots (issue 19.4).</summary>
    public const string MatchSnapshot = "match-snapshot";

    /// <summary>The unit an action belongs to: a snapshot's pack or the pinned Python packages, planned under match-snapshot.</summary>
    public static string? Of(PlannedAction action, Diagnosis.ExpectedState expected, RepairScope scope) =>
        scope.MatchSnapshot
        && (
            action.Kind == RepairActionKinds.InstallPythonPackages
            || action.Kind is RepairActionKinds.InstallNodePack or RepairActionKinds.EnableNodePack
                && expected.Snapshot?.PackFor(action.Subject) is not null
        )
            ? MatchSnapshot
            : null;
}
