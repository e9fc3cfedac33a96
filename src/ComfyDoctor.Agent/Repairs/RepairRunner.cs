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
/// Runs a repair job on the worker: scan (deep for verify-and-repair) → judge against the server's expected state →
/// <see cref="RepairPlanner.Plan"/> → model transfers (verified, within <see cref="RepairOptions"/>' limits) and node-pack
/// installs (by this agent's own source policy) → a routine re-scan that proves what was fixed. Cancellation stops the
/// transfers cleanly (a partial stays hidden beside its destination for a resume; the final path is never touched),
/// marks what was not done as cancelled, and still re-scans.
/// </summary>
public sealed class RepairRunner(HttpClient http, RepairOptions options, ScanOptions scan)
{
    public async Task<JobResult> RunAsync(RepairJobPayload payload, SourceLocator locator, IProgress<JobProgress> sink,
        Action<JobProgress> postNow, CancellationToken cancel, CancellationToken stop)
    {
        var tracker = new ActionTracker(sink, postNow);
        using var writer = await InstallationLock.AcquireAsync(scan.ComfyUiRoot, "an agent's repair job", options.LockWait, tracker.Phase, cancel);
        var scanner = new WorkerScanner();
        var before = await scanner.ScanAsync(scan with { Deep = payload.Scope.DeepScanFirst }, ScanProgress(tracker, sink), cancel);
        var expected = payload.Expected.ToExpectedState();
        var plan = RepairPlanner.Plan(WorkerReport.From(before, Diagnoser.Diagnose(expected, before)), expected, payload.Policy.ToPolicy(payload.Scope));
        tracker.Start(plan);

        var results = new ActionResult?[plan.Actions.Count];
        var quarantine = new Quarantine(Path.Combine(scan.ComfyUiRoot, ".comfydoctor", "quarantine"), TimeSpan.FromDays(options.QuarantineDays));
        await SyncModelsAsync(plan, before, locator, quarantine, tracker, results, cancel);
        QuarantineModels(plan, before, quarantine, tracker, results, cancel);
        await EnablePacksAsync(plan, before, tracker, results, cancel);
        await InstallPacksAsync(plan, before, tracker, results, cancel);
        quarantine.Purge();
        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= Cancelled(plan.Actions[i]);
        }

        tracker.Phase("re-scanning");
        var after = await scanner.ScanAsync(scan with { Deep = false }, ScanProgress(tracker, sink), stop);
        return new JobResult(after, null) { Repair = new RepairOutcome(plan, NoteRestarts(results!, after)) };
    }

    private static ScanRelay ScanProgress(ActionTracker tracker, IProgress<JobProgress> sink) => new ScanRelay(tracker, sink);

    private async Task SyncModelsAsync(RepairPlan plan, WorkerInventory inventory, SourceLocator locator, Quarantine quarantine, ActionTracker tracker,
        ActionResult?[] results, CancellationToken ct)
    {
        using var limits = new TransferLimits(options.MaxTransfers, options.MaxTransfersPerSource);
        var repairer = new ModelRepairer(new VerifiedDownloader(http, options.StallTimeout, bytesPerSecond: options.BytesPerSecond), quarantine, locator, limits);
        var syncs = plan.Actions.Select((a, i) => (a, i)).Where(x => x.a.Kind == RepairActionKinds.SyncModel).Select(x => limits.InWorkerTurnAsync(async () =>
        {
            tracker.Running(x.i, null, "transferring");
            var result = await repairer.SyncAsync(x.a, inventory, new BytesRelay(tracker, x.i), s => tracker.Running(x.i, $"{s.Kind} {s.Name}", "transferring"), ct);
            results[x.i] = result;
            tracker.Finished(x.i, result);
            return result;
        }, ct));
        try
        {
            await Task.WhenAll(syncs);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the unfinished ones are reported as cancelled
        }
    }

    /// <summary>The admin's explicit choice for unknown or unsafe files: moved (within the root they were found in) to the quarantine.</summary>
    private static void QuarantineModels(RepairPlan plan, WorkerInventory inventory, Quarantine quarantine, ActionTracker tracker, ActionResult?[] results,
        CancellationToken ct)
    {
        foreach (var (action, index) in plan.Actions.Select((a, i) => (a, i)).Where(x => x.a.Kind == RepairActionKinds.QuarantineModel))
        {
            if (ct.IsCancellationRequested)
            {
                return;
            }

            tracker.Running(index, null, "moving to quarantine");
            var model = inventory.Models.FirstOrDefault(m => m.Identity == action.Subject);
            var sha = model?.Sha256;
            string outcome, message;
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
    private async Task EnablePacksAsync(RepairPlan plan, WorkerInventory inventory, ActionTracker tracker, ActionResult?[] results,
        CancellationToken ct)
    {
        var enables = plan.Actions.Select((a, i) => (a, i))
            .Where(x => x.a.Kind == RepairActionKinds.EnableNodePack && x.a.Enable is not null);
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

    private async Task InstallPacksAsync(RepairPlan plan, WorkerInventory inventory, ActionTracker tracker, ActionResult?[] results, CancellationToken ct)
    {
        var installs = plan.Actions.Select((a, i) => (a, i))
            .Where(x => x.a.Kind == RepairActionKinds.InstallNodePack && x.a.Pack is not null).ToList();
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

    /// <summary>A pack put in place is loaded by ComfyUI only after a restart: said so, and checked against a running ComfyUI when known.</summary>
    private static List<ActionResult> NoteRestarts(IReadOnlyList<ActionResult> results, WorkerInventory after) =>
        results.Select(r =>
        {
            if (r.Kind != RepairActionKinds.InstallNodePack || r.Outcome != ActionStates.Done || r.Before == r.After)
            {
                return r;
            }

            var loaded = after.Live is null ? "" : " (the running ComfyUI does not list its node types yet)";
            return r with { RestartRequired = true, Message = r.Message + "; restart ComfyUI to load it" + loaded };
        }).ToList();

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
