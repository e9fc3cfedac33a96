using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// Runs a confirmed repair on the worker: scan (deep for Verify &amp; Repair) → check each planned action's precondition
/// against what the scan found (<see cref="Preconditions"/>; an action whose world moved is reported
/// <see cref="ActionStates.Changed"/> and left alone) → the plan's model transfers (verified, within <see cref="RepairOptions"/>'
/// limits), quarantines, node-pack installs (by this agent's own source policy) and pinned Python packages — a snapshot restore's
/// actions last and all or nothing (<see cref="RestoreUnit"/>) → a routine re-scan the server judges.
/// The agent never plans: it runs the server's plan or nothing of it. Cancellation stops the transfers cleanly (a partial
/// stays hidden beside its destination for a resume; the final path is never touched), marks what was not done as
/// cancelled, and still re-scans.
/// </summary>
public sealed class RepairRunner(HttpClient http, RepairOptions options, ScanOptions scan)
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        RepairActionKinds.SyncModel,
        RepairActionKinds.QuarantineModel,
        RepairActionKinds.InstallNodePack,
        RepairActionKinds.EnableNodePack,
        RepairActionKinds.InstallPythonPackages,
    };

    /// <summary>The answer to a repair job without a plan (queued by a server that predates planned repairs).</summary>
    public const string Unplanned =
        "this agent runs only repairs with a confirmed plan (planned-repair); this job carries none, so nothing was changed: "
        + "upgrade the server, then plan and confirm the repair again";

    public async Task<JobResult> RunAsync(
        PlannedRepairPayload payload,
        SourceLocator locator,
        IProgress<JobProgress> sink,
        Action<JobProgress> postNow,
        CancellationToken cancel,
        CancellationToken stop
    )
    {
        var tracker = new ActionTracker(sink, postNow);
        using var writer = await InstallationLock.AcquireAsync(
            scan.ComfyUiRoot,
            "an agent's repair job",
            options.LockWait,
            tracker.Phase,
            cancel
        );
        var scanner = new WorkerScanner();
        var before = await scanner.ScanAsync(scan with { Deep = payload.DeepScanFirst }, ScanProgress(tracker, sink), cancel);
        var plan = payload.Plan;
        tracker.Start(plan);

        var results = new ActionResult?[plan.Actions.Count];
        Refuse(plan, before, Preconditions.Judge(plan, before, payload.DiskMarginBytes), tracker, results);
        var quarantine = new Quarantine(
            Path.Combine(scan.ComfyUiRoot, ".comfydoctor", "quarantine"),
            TimeSpan.FromDays(options.QuarantineDays)
        );
        await SyncModelsAsync(plan, before, locator, quarantine, tracker, results, cancel);
        QuarantineModels(plan, before, quarantine, tracker, results, cancel);
        await EnablePacksAsync(plan, before, tracker, results, cancel);
        await InstallPacksAsync(plan, before, tracker, results, cancel);
        await InstallPythonPackagesAsync(plan, before, tracker, results, cancel);
        await new RestoreUnit(http, options, scan.ComfyUiRoot, before.Environment.Python?.Executable ?? scan.Python).RunAsync(
            plan,
            before,
            tracker,
            results,
            cancel
        );
        quarantine.Purge();
        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= Cancelled(plan.Actions[i]);
        }

        tracker.Phase("re-scanning");
        var after = await scanner.ScanAsync(scan with { Deep = false }, ScanProgress(tracker, sink), stop);
        return new JobResult(after, null) { Repair = new RepairOutcome(plan, NoteRestarts(results!, after)) { PlanId = payload.PlanId } };
    }

    /// <summary>Actions whose precondition failed, and actions of kinds this agent does not know, end before anything runs.</summary>
    private static void Refuse(
        RepairPlan plan,
        WorkerInventory inventory,
        IReadOnlyList<string?> moved,
        ActionTracker tracker,
        ActionResult?[] results
    )
    {
        for (var i = 0; i < plan.Actions.Count; i++)
        {
            var action = plan.Actions[i];
            var (outcome, message) =
                moved[i] is { } why ? (ActionStates.Changed, why + "; nothing was done")
                : Known.Contains(action.Kind) ? (null, null)
                : (ActionStates.Failed, $"this agent does not know actions of kind '{action.Kind}'; nothing was done");
            if (outcome is not null)
            {
                var current = Preconditions.Current(action, inventory);
                var now = current.Sha256 ?? current.Commit; // left as it is
                results[i] = new ActionResult(action.Kind, action.Subject, outcome, null, now, now, message!, [], 0);
                tracker.Finished(i, results[i]!);
            }
        }
    }

    private static ScanRelay ScanProgress(ActionTracker tracker, IProgress<JobProgress> sink) => new ScanRelay(tracker, sink);

    private async Task SyncModelsAsync(
        RepairPlan plan,
        WorkerInventory inventory,
        SourceLocator locator,
        Quarantine quarantine,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        using var limits = new TransferLimits(options.MaxTransfers, options.MaxTransfersPerSource);
        var repairer = new ModelRepairer(
            new VerifiedDownloader(http, options.StallTimeout, bytesPerSecond: options.BytesPerSecond),
            quarantine,
            locator,
            limits
        );
        var syncs = Runnable(plan, results, RepairActionKinds.SyncModel)
            .Select(x =>
                limits.InWorkerTurnAsync(
                    async () =>
                    {
                        tracker.Running(x.i, null, "transferring");
                        var result = await repairer.SyncAsync(
                            x.a,
                            inventory,
                            new BytesRelay(tracker, x.i),
                            s => tracker.Running(x.i, $"{s.Kind} {s.Name}", "transferring"),
                            ct
                        );
                        results[x.i] = result;
                        tracker.Finished(x.i, result);
                        return result;
                    },
                    ct
                )
            );
        try
        {
            await Task.WhenAll(syncs);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the unfinished ones are reported as cancelled
        }
    }

    /// <summary>The admin's explicit choice for unknown or unsafe files: moved (within the root they were found in) to the
    /// quarantine.</summary>
    private static void QuarantineModels(
        RepairPlan plan,
        WorkerInventory inventory,
        Quarantine quarantine,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        foreach (var (action, index) in Runnable(plan, results, RepairActionKinds.QuarantineModel))
        {
            if (ct.IsCancellationRequested)
            {
                return;
            }

            tracker.Running(index, null, "moving to quarantine");
            var model = inventory.Models.FirstOrDefault(m => m.Identity == action.Subject);
            var sha = model?.Sha256;
            string outcome,
                message;
            try
            {
                var kept = model?.RawPath is not null
                    ? quarantine.Keep(RawModelPath.Confined(model, inventory.ModelRoots)) // a name that is not UTF-8: moved by its bytes
                    : quarantine.Keep(ModelRepairer.Destination(action.Subject, inventory));
                (outcome, message) = (ActionStates.Done, $"moved to {kept}");
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
            {
                (outcome, message) = (ActionStates.Failed, e.Message);
            }

            results[index] = new ActionResult(action.Kind, action.Subject, outcome, null, sha, null, message, [], 0);
            tracker.Finished(index, results[index]!);
        }
    }

    /// <summary>Disabled packs the workflows need, moved back into place (before any install, which would refuse beside them).</summary>
    private async Task EnablePacksAsync(
        RepairPlan plan,
        WorkerInventory inventory,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        var enables = Runnable(plan, results, RepairActionKinds.EnableNodePack).Where(x => x.a.Enable is not null);
        foreach (var (action, index) in enables)
        {
            if (ct.IsCancellationRequested)
            {
                return;
            }

            tracker.Running(index, action.Enable!.From, "enabling");
            results[index] = await PackEnabler.EnableAsync(action, inventory.NodePacks, options.Install, dryRun: false, ct);
            tracker.Finished(index, results[index]!);
        }
    }

    private async Task InstallPacksAsync(
        RepairPlan plan,
        WorkerInventory inventory,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        var installs = Runnable(plan, results, RepairActionKinds.InstallNodePack).Where(x => x.a.Pack is not null).ToList();
        if (installs.Count == 0 || ct.IsCancellationRequested)
        {
            return;
        }

        var step = new PackInstallStep(http, options, scan.ComfyUiRoot, inventory.Environment.Python?.Executable ?? scan.Python);
        foreach (var (action, index) in installs)
        {
            if (ct.IsCancellationRequested)
            {
                return;
            }

            tracker.Running(index, action.Subject, "installing");
            results[index] = await step.RunAsync(action, inventory, ct);
            tracker.Finished(index, results[index]!);
        }
    }

    /// <summary>A snapshot's pinned Python packages, after the packs (whose requirements may have moved some of them).</summary>
    private async Task InstallPythonPackagesAsync(
        RepairPlan plan,
        WorkerInventory inventory,
        ActionTracker tracker,
        ActionResult?[] results,
        CancellationToken ct
    )
    {
        foreach (var (action, index) in Runnable(plan, results, RepairActionKinds.InstallPythonPackages))
        {
            if (ct.IsCancellationRequested)
            {
                return;
            }

            tracker.Running(index, action.Subject, "installing Python packages");
            var python = inventory.Environment.Python?.Executable ?? scan.Python;
            results[index] = await PythonPackagesStep.RunAsync(action, python, options.Install, ct);
            tracker.Finished(index, results[index]!);
        }
    }

    /// <summary>A pack put in place is loaded by ComfyUI only after a restart: said so, and checked against a running ComfyUI when
    /// known.</summary>
    private static List<ActionResult> NoteRestarts(IReadOnlyList<ActionResult> results, WorkerInventory after) =>
        results
            .Select(r =>
            {
                if (r.Kind != RepairActionKinds.InstallNodePack || r.Outcome != ActionStates.Done)
                {
                    return r;
                }

                var moved = r.Before != r.After;
                r = r with { NodeTypes = Installing.LiveConfirmation.Apply(r.NodeTypes, after.Live, moved) };
                if (!moved)
                {
                    return r;
                }

                var loaded = after.Live is null ? "" : " (the running ComfyUI does not list its node types yet)";
                return r with { RestartRequired = true, Message = r.Message + "; restart ComfyUI to load it" + loaded };
            })
            .ToList();

    /// <summary>The plan's actions of one kind that are still to run (not refused above) and belong to no unit (a unit runs whole,
    /// last: <see cref="RestoreUnit"/>), with their index.</summary>
    private static IEnumerable<(PlannedAction a, int i)> Runnable(RepairPlan plan, ActionResult?[] results, string kind) =>
        plan.Actions.Select((a, i) => (a, i)).Where(x => x.a.Kind == kind && x.a.Unit is null && results[x.i] is null);

    private static ActionResult Cancelled(PlannedAction action) =>
        new(action.Kind, action.Subject, ActionStates.Cancelled, null, null, null, "not done: the repair was cancelled", [], 0);

    private sealed class ScanRelay(ActionTracker tracker, IProgress<JobProgress> sink) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) =>
            sink.Report(tracker.Decorate(new JobProgress("", value.FilesDone, value.FilesTotal, value.BytesDone, value.BytesTotal)));
    }

    private sealed class BytesRelay(ActionTracker tracker, int index) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => tracker.Bytes(index, value.Bytes, value.Total);
    }
}
