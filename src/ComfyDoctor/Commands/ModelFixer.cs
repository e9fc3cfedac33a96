using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>check --fix models</c>: the repair plan's model actions (registry URLs, then the mirrors), run here, one at a
/// time.</summary>
public static class ModelFixer
{
    public static RepairPlan Plan(WorkerReport report, ExpectedState expected, IReadOnlyList<ModelMirror> mirrors) =>
        RepairPlanner.Plan(
            report,
            expected,
            new RepairPolicy(new RepairScope(SyncModels: true, InstallNodes: false, DeepScanFirst: false), mirrors, [])
        );

    public static async Task<IReadOnlyList<ActionResult>> RunAsync(
        RepairPlan plan,
        WorkerReport report,
        string comfyRoot,
        int quarantineDays,
        CancellationToken ct
    )
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var limits = new TransferLimits(1, 1);
        var quarantine = new Quarantine(Path.Combine(comfyRoot, ".comfydoctor", "quarantine"), TimeSpan.FromDays(quarantineDays));
        var repairer = new ModelRepairer(
            new VerifiedDownloader(http, TimeSpan.FromSeconds(60)),
            quarantine,
            SourceLocator.Plain(SourceHeaders.None),
            limits
        );
        var results = new List<ActionResult>();
        foreach (var action in plan.Actions.Where(a => a.Kind == RepairActionKinds.SyncModel))
        {
            results.Add(await repairer.SyncAsync(action, report.Inventory, null, null, ct));
        }

        quarantine.Purge();
        return results;
    }
}
