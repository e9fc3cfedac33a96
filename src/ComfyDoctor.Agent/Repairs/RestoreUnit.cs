using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// Runs a plan's unit (<see cref="RepairUnits"/>: a snapshot restore) all or nothing, after the plan's other actions: enables,
/// then pack installs, then the Python packages. When an action of the unit was refused before anything ran (changed since
/// planned, a kind this agent does not know), none of the unit runs. When one fails (or the repair is cancelled), the rest are
/// skipped and the ones done are undone in reverse (<see cref="UnitUndo"/>): each then reads <see cref="ActionStates.RolledBack"/>,
/// or failed with what could not be put back, and the failed action says what the undo left.
/// </summary>
/// <param name="python">ComfyUI's interpreter as the scan before the repair found it (the one every step of the unit uses).</param>
internal sealed class RestoreUnit(HttpClient http, RepairOptions options, string comfyRoot, string? python)
{
    private static readonly string[] Order =
    [
        RepairActionKinds.EnableNodePack,
        RepairActionKinds.InstallNodePack,
        RepairActionKinds.InstallPythonPackages,
    ];

    public async Task RunAsync(
        RepairPlan plan,
        WorkerInventory inventory,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        foreach (var unit in plan.Actions.Where(a => a.Unit is not null).Select(a => a.Unit!).Distinct(StringComparer.Ordinal))
        {
            var members = plan
                .Actions.Select((a, i) => (Action: a, Index: i))
                .Where(x => x.Action.Unit == unit)
                .OrderBy(x => Array.IndexOf(Order, x.Action.Kind) is var o and >= 0 ? o : Order.Length)
                .ThenBy(x => x.Index)
                .ToList();
            await RunUnitAsync(members, inventory, tracker, results, ct);
        }
    }

    private async Task RunUnitAsync(
        List<(PlannedAction Action, int Index)> members,
        WorkerInventory inventory,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        if (members.FirstOrDefault(x => results[x.Index] is not null) is { Action: not null } refused)
        {
            Skip(members, results, tracker, Stopped(refused.Action, results[refused.Index]!) + "; nothing of it was done");
            return;
        }

        var undo = new UnitUndo(comfyRoot, python, options.Install);
        var changesPython = members.Any(x => x.Action.Kind is RepairActionKinds.InstallNodePack or RepairActionKinds.InstallPythonPackages);
        if (await undo.BeginAsync(changesPython, ct) is { } cannot)
        {
            Skip(members, results, tracker, cannot + "; nothing of this snapshot restore was done");
            return;
        }

        var done = new List<(PlannedAction Action, int Index)>();
        (PlannedAction Action, int Index)? failed = null;
        try
        {
            foreach (var member in members)
            {
                ct.ThrowIfCancellationRequested();
                tracker.Running(member.Index, member.Action.Subject, "restoring the snapshot");
                var result = await RecordAsync(undo, member, ct) ?? await RunOneAsync(member.Action, inventory, ct);
                results[member.Index] = result;
                tracker.Finished(member.Index, result);
                if (result.Outcome != ActionStates.Done)
                {
                    failed = member;
                    break;
                }

                done.Add(member);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the one running and the ones after it are reported cancelled by the runner; the ones done are undone below
        }

        if (failed is null && done.Count == members.Count)
        {
            undo.Forget();
            return;
        }

        if (failed is { } stop)
        {
            Skip(members, results, tracker, Stopped(stop.Action, results[stop.Index]!) + "; what it had done was undone");
        }

        var left = await UndoAsync(done, undo, results, tracker, failed);
        if (failed is { } f)
        {
            var r = results[f.Index]!;
            results[f.Index] = r with { Message = r.Message + "; " + left };
            tracker.Finished(f.Index, results[f.Index]!);
        }
    }

    /// <summary>The done actions undone in reverse, then the Python packages; returns what the undo left, in words.</summary>
    private static async Task<string> UndoAsync(
        List<(PlannedAction Action, int Index)> done,
        UnitUndo undo,
        ActionResult?[] results,
        ActionTracker tracker,
        (PlannedAction Action, int Index)? failed
    )
    {
        var why = failed is { } f
            ? $"{f.Action.Kind} {f.Action.Subject} "
                + (results[f.Index]!.Outcome == ActionStates.Failed ? "failed" : $"ended {results[f.Index]!.Outcome}")
            : "the repair was cancelled";
        var problems = new Dictionary<int, string>();
        foreach (var (_, index) in Enumerable.Reverse(done))
        {
            if (await undo.UndoPackAsync(index) is { } problem)
            {
                problems[index] = problem;
            }
        }

        var drift = await undo.UndoPythonAsync();
        undo.Forget();
        foreach (var (action, index) in done)
        {
            var r = results[index]!;
            var python = action.Kind == RepairActionKinds.InstallPythonPackages && drift.Count > 0 ? string.Join("; ", drift) : null;
            var problem = problems.GetValueOrDefault(index) ?? python;
            results[index] = problem is null
                ? r with
                {
                    Outcome = ActionStates.RolledBack,
                    After = r.Before,
                    Message = $"undone because {why}: as before the repair (it had: {r.Message})",
                    Packages = [.. r.Packages.Select(p => RolledBack(p, undo))],
                }
                : r with
                {
                    Outcome = ActionStates.Failed,
                    Message = $"done, then NOT undone after {why}: {problem} (it had: {r.Message})",
                };
            tracker.Finished(index, results[index]!);
        }

        var incomplete = problems.Values.Concat(drift).ToList();
        return incomplete.Count == 0
            ? $"the snapshot restore was undone: {done.Count} action(s) rolled back, ComfyUI's Python packages as before"
            : $"UNDO INCOMPLETE, the worker differs from before: {string.Join("; ", incomplete)}";
    }

    private static PythonPackageResult RolledBack(PythonPackageResult package, UnitUndo undo) =>
        package.State is PythonPackageStates.Installed or PythonPackageStates.Dependency
            ? package with
            {
                After = undo.PythonBefore(package.Name),
                State = PythonPackageStates.RolledBack,
            }
            : package;

    private async Task<ActionResult> RunOneAsync(PlannedAction action, WorkerInventory inventory, CancellationToken ct)
    {
        return action.Kind switch
        {
            RepairActionKinds.EnableNodePack => await PackEnabler.EnableAsync(action, inventory.NodePacks, options.Install, false, ct),
            RepairActionKinds.InstallNodePack => await new PackInstallStep(http, options, comfyRoot, python).RunAsync(
                action,
                inventory,
                ct
            ),
            RepairActionKinds.InstallPythonPackages => await PythonPackagesStep.RunAsync(action, python, options.Install, ct),
            _ => new ActionResult(action.Kind, action.Subject, ActionStates.Failed, null, null, null, "not a kind a unit runs", [], 0),
        };
    }

    /// <summary>The subject recorded for an undo; a failed result (nothing done) when it could not be.</summary>
    private static async Task<ActionResult?> RecordAsync(UnitUndo undo, (PlannedAction Action, int Index) member, CancellationToken ct)
    {
        try
        {
            await undo.RecordAsync(member.Index, member.Action, ct);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (action, _) = member;
            var message = $"not attempted: its state could not be kept for an undo ({e.Message}), so it was not changed";
            return new ActionResult(action.Kind, action.Subject, ActionStates.Failed, null, null, null, message, [], 0);
        }
    }

    private static void Skip(List<(PlannedAction Action, int Index)> members, ActionResult?[] results, ActionTracker tracker, string why)
    {
        foreach (var (action, index) in members.Where(x => results[x.Index] is null))
        {
            results[index] = new ActionResult(
                action.Kind,
                action.Subject,
                ActionStates.Skipped,
                null,
                null,
                null,
                "not attempted: " + why,
                [],
                0
            );
            tracker.Finished(index, results[index]!);
        }
    }

    private static string Stopped(PlannedAction action, ActionResult result) =>
        $"{action.Kind} {action.Subject} of this snapshot restore ended {result.Outcome} ({result.Message}), so the restore stopped";
}
