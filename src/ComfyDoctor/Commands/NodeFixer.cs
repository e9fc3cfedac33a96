using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>check --fix nodes</c>: the repair plan's node-pack actions — a disabled pack the workflows need is enabled in place
/// (<see cref="PackEnabler"/>), one that is missing or at the wrong version is installed — one after another.
/// </summary>
public static class NodeFixer
{
    public static IReadOnlyList<PackInstallRequest> Requests(WorkerReport report, ExpectedState expected, NodeCatalog? catalog) =>
        Plan(report, expected)
            .Actions.Where(a => a.Kind == RepairActionKinds.InstallNodePack)
            .Select(a => a.Pack)
            .OfType<PlannedPack>()
            .Select(p => new PackInstallRequest(
                p.PackName,
                p.Url,
                p.Version,
                p.NodeTypes,
                Submodules: false,
                RegistryId: p.RegistryId ?? catalog?.FindByUrl(p.Url)?.Id
            )
            {
                OtherVersions = p.OtherVersions,
            })
            .ToList();

    /// <summary>What the plan must say before anything is installed: without ComfyUI's Python, every pack with a
    /// requirements.txt or an install.py will be refused and rolled back.</summary>
    public static IReadOnlyList<string> PlanNotes(string? python) =>
        python is not null
            ? []
            :
            [
                "ComfyUI's Python is not known (no --python, and none found beside ComfyUI): packs that have a requirements.txt or an "
                    + "install.py will be refused and rolled back; packs without Python set-up install as usual.",
            ];

    /// <summary>The per-node results settled by the running ComfyUI's <c>/object_info</c> of the re-scan, when there is one.</summary>
    public static IReadOnlyList<PackInstallResult> Confirm(IReadOnlyList<PackInstallResult> results, LiveComfyUi? live) =>
        live is null
            ? results
            :
            [
                .. results.Select(r =>
                    r with
                    {
                        NodeTypes = LiveConfirmation.Apply(
                            r.NodeTypes,
                            live,
                            r.Outcome is InstallOutcome.Installed or InstallOutcome.Updated
                        ),
                    }
                ),
            ];

    /// <summary>The disabled packs the workflows need, each moved back into place (before the installs, which refuse
    /// beside them).</summary>
    public static async Task<IReadOnlyList<ActionResult>> EnableAsync(
        WorkerReport report,
        ExpectedState expected,
        InstallPolicy policy,
        bool dryRun,
        CancellationToken ct
    )
    {
        var results = new List<ActionResult>();
        foreach (var action in Plan(report, expected).Actions.Where(a => a.Kind == RepairActionKinds.EnableNodePack))
        {
            results.Add(await PackEnabler.EnableAsync(action, report.Inventory.NodePacks, policy, dryRun, ct));
        }

        return results;
    }

    private static RepairPlan Plan(WorkerReport report, ExpectedState expected) =>
        RepairPlanner.Plan(
            report,
            expected,
            new RepairPolicy(new RepairScope(SyncModels: false, InstallNodes: true, DeepScanFirst: false), [], [])
        );

    public static Task<IReadOnlyList<PackInstallResult>> RunAsync(
        IReadOnlyList<PackInstallRequest> requests,
        InstallPolicy policy,
        InstallContext context,
        RegistrySource? registry,
        NodeTypeScanner scanner,
        IProgress<InstallProgress>? progress,
        CancellationToken ct
    )
    {
        var http = registry is null ? null : new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var installer = new NodePackInstaller(policy, scanner, http is null ? null : new RegistryClient(http, registry!));
        return RunAndDisposeAsync(installer, http, requests, context, progress, ct);
    }

    private static async Task<IReadOnlyList<PackInstallResult>> RunAndDisposeAsync(
        NodePackInstaller installer,
        HttpClient? http,
        IReadOnlyList<PackInstallRequest> requests,
        InstallContext context,
        IProgress<InstallProgress>? progress,
        CancellationToken ct
    )
    {
        using (http)
        {
            return await installer.InstallAllAsync(requests, context, progress, ct);
        }
    }
}
