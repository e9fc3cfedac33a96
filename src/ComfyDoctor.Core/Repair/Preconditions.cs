using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// Whether each action of a confirmed plan may still run on the worker as it is now: its subject is as the plan saw it
/// (<see cref="PlannedAction.Before"/>: the file's hash or absence, the pack's commit or absence) and, for a download, its
/// volume still has room for it and the downloads before it. An action whose world moved is not re-planned: it is
/// reported as changed since planned, with what moved. Pure: judged on a fresh inventory the agent gathered.
/// </summary>
public static class Preconditions
{
    /// <summary>Per action, in plan order: null when it may run, else what changed since it was planned.</summary>
    public static IReadOnlyList<string?> Judge(RepairPlan plan, WorkerInventory now, long diskMarginBytes)
    {
        var free = now.Environment.Disks.ToDictionary(d => d.Mount, d => d.FreeBytes, StringComparer.Ordinal);
        var verdicts = new List<string?>(plan.Actions.Count);
        foreach (var action in plan.Actions)
        {
            var moved = SubjectMoved(action, now);
            if (
                moved is null
                && action.Kind == RepairActionKinds.SyncModel
                && action.Model?.Size is { } size and > 0
                && DiskBudget.VolumeOf(action.Subject, now) is { } disk
            )
            {
                moved =
                    free[disk.Mount] - size < diskMarginBytes
                        ? $"{disk.Mount} has {Bytes.Format(free[disk.Mount])} free after the downloads before it; "
                            + $"this one needs {Bytes.Format(size)}"
                            + $" and {Bytes.Format(diskMarginBytes)} kept spare"
                        : null;
                free[disk.Mount] -= moved is null ? size : 0;
            }

            verdicts.Add(moved);
        }

        return verdicts;
    }

    /// <summary>What the subject is now, in its action's terms: the model file, the pack's folder, the disabled copy, or the
    /// planned Python packages.</summary>
    public static SubjectState Current(PlannedAction action, WorkerInventory now) =>
        action switch
        {
            { Python: { } python } => PythonPreconditions.State(python, now),
            { Enable: { } enable } => SubjectState.Of(now.NodePacks.FirstOrDefault(p => Same(p.Path, enable.From))),
            { Pack: { } pack } => SubjectState.Of(now.NodePacks.FirstOrDefault(p => !p.IsFile && Same(p.Name, pack.PackName))),
            _ => SubjectState.Of(now.Models.FirstOrDefault(m => Same(m.Identity, action.Subject))),
        };

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

    private static string? SubjectMoved(PlannedAction action, WorkerInventory now)
    {
        if (action.Python is { } python)
        {
            return PythonPreconditions.Moved(action.Before, python, now);
        }

        if (action.Before is not { } planned)
        {
            return null; // a plan from before preconditions were recorded: nothing to compare
        }

        var current = Current(action, now);
        var what = action.Pack is null && action.Enable is null ? "the file" : "the pack";
        return Same(planned, current) ? null : $"{what} was {planned} when planned, is {current} now";
    }

    private static bool Same(SubjectState planned, SubjectState current) =>
        planned.Present == current.Present
        && string.Equals(planned.Commit, current.Commit, StringComparison.OrdinalIgnoreCase)
        && planned.Dirty == current.Dirty
        && (
            planned.Sha256 is null
                ? planned.Size == current.Size // an unreadable file is known by its size
                : string.Equals(planned.Sha256, current.Sha256, StringComparison.OrdinalIgnoreCase)
        );
}
