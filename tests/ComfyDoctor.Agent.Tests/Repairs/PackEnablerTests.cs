using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Tests.Repairs;

/// <summary>
/// Issue 15.4: a pack the workflows need that ComfyUI-Manager disabled is moved back in place — scan, judge, plan and
/// enable on a real ComfyUI folder with real git checkouts — never installed a second time beside it.
/// </summary>
public sealed class PackEnablerTests
{
    private const string Url = "https://github.com/test-org/ComfyUI-TestPack";
    private static readonly InstallPolicy Allowed = InstallPolicy.CatalogOnly([Url]);

    private static ExpectedState Needs() =>
        ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredNodePacks = [new RequiredNodePack(Url, null, null, ["TestNode", "JsOnlyNode"], ["wf.json"], "exact name")],
        };

    private static async Task<string> DisabledCheckoutAsync(
        TempDir dir,
        string relative,
        string init = "NODE_CLASS_MAPPINGS = {\"TestNode\": T}\n"
    )
    {
        var folder = dir.Combine(["ComfyUI", "custom_nodes", .. relative.Split('/')]);
        var files = new Dictionary<string, string> { ["nodes.py"] = "x = 1\n" };
        if (init.Length > 0)
        {
            files["__init__.py"] = init;
        }

        var commit = await Git.InitAsync(folder, files);
        await Git.RunAsync(folder, "remote", "add", "origin", Url + ".git");
        return commit;
    }

    private static async Task<(WorkerInventory Inventory, RepairPlan Plan)> PlanAsync(TempDir dir)
    {
        var inventory = await new WorkerScanner().ScanAsync(
            new ScanOptions(dir.Combine("ComfyUI"), [], false, 2, null, null, "w1") { ProbeTimeout = TimeSpan.FromSeconds(5) },
            null,
            CancellationToken.None
        );
        var plan = RepairPlanner.Plan(
            WorkerReport.From(inventory, Diagnoser.Diagnose(Needs(), inventory)),
            Needs(),
            new RepairPolicy(new RepairScope(SyncModels: false, InstallNodes: true, DeepScanFirst: false), [], [])
        );
        return (inventory, plan);
    }

    [Fact]
    public async Task A_copy_in_the_managers_disabled_folder_is_moved_back_and_the_next_scan_is_clean()
    {
        using var dir = new TempDir();
        var commit = await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack");
        var (inventory, plan) = await PlanAsync(dir);
        var action = Assert.Single(plan.Actions);
        Assert.Equal(RepairActionKinds.EnableNodePack, action.Kind);

        var result = await PackEnabler.EnableAsync(action, inventory.NodePacks, Allowed, dryRun: false, CancellationToken.None);

        Assert.True(result.Outcome == ActionStates.Done, result.Message);
        Assert.True(result.RestartRequired);
        Assert.Equal((commit, commit), (result.Before, result.After));
        Assert.Contains(
            "provides TestNode (found statically); not confirmed statically: JsOnlyNode",
            result.Message,
            StringComparison.Ordinal
        );
        var enabled = dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack");
        Assert.Equal(commit, await Git.RunAsync(enabled, "rev-parse", "HEAD"));
        Assert.False(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", ".disabled", "ComfyUI-TestPack")));
        var (after, again) = await PlanAsync(dir);
        Assert.DoesNotContain(Diagnoser.Diagnose(Needs(), after).Findings, f =>
            f.Code is FindingCodes.NodeDisabled or FindingCodes.NodeMissing
        );
        Assert.Empty(again.Actions);
    }

    [Fact]
    public async Task A_legacy_suffix_copy_is_enabled_and_a_dry_run_changes_nothing()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, "ComfyUI-TestPack.disabled");
        var (inventory, plan) = await PlanAsync(dir);
        var action = Assert.Single(plan.Actions);

        var dry = await PackEnabler.EnableAsync(action, inventory.NodePacks, Allowed, dryRun: true, CancellationToken.None);
        Assert.Equal(ActionStates.Pending, dry.Outcome);
        Assert.True(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack.disabled")));

        var result = await PackEnabler.EnableAsync(action, inventory.NodePacks, Allowed, dryRun: false, CancellationToken.None);
        Assert.True(result.Outcome == ActionStates.Done, result.Message);
        Assert.True(File.Exists(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack", "__init__.py")));
    }

    [Fact]
    public async Task Another_folder_of_that_name_is_never_replaced()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack");
        var other = dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack");
        await Git.InitAsync(other, new Dictionary<string, string> { ["__init__.py"] = "# someone else's pack of the same name\n" });
        await Git.RunAsync(other, "remote", "add", "origin", "https://github.com/someone-else/ComfyUI-TestPack");
        var (inventory, plan) = await PlanAsync(dir);

        var result = await PackEnabler.EnableAsync(
            Assert.Single(plan.Actions),
            inventory.NodePacks,
            Allowed,
            dryRun: false,
            CancellationToken.None
        );

        Assert.Equal(ActionStates.Failed, result.Outcome);
        Assert.Contains("already exists", result.Message, StringComparison.Ordinal);
        Assert.Equal(
            "# someone else's pack of the same name\n",
            File.ReadAllText(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack", "__init__.py"))
        );
        Assert.True(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", ".disabled", "ComfyUI-TestPack")));
    }

    [Fact]
    public async Task A_copy_that_moved_since_the_plan_is_left_alone()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack");
        var (inventory, plan) = await PlanAsync(dir);
        var moved = await Git.CommitAsync(
            dir.Combine("ComfyUI", "custom_nodes", ".disabled", "ComfyUI-TestPack"),
            new Dictionary<string, string> { ["later.py"] = "" },
            "later"
        );

        var result = await PackEnabler.EnableAsync(
            Assert.Single(plan.Actions),
            inventory.NodePacks,
            Allowed,
            dryRun: false,
            CancellationToken.None
        );

        Assert.Equal(ActionStates.Failed, result.Outcome);
        Assert.Contains($"changed since planned: {plan.Actions[0].Enable!.From} is at {moved}", result.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack")));
    }

    [Fact]
    public async Task A_copy_comfyui_could_not_load_is_put_back_and_a_refused_source_is_not_touched()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack", init: "");
        var (inventory, plan) = await PlanAsync(dir);
        var action = Assert.Single(plan.Actions);

        var refused = await PackEnabler.EnableAsync(
            action,
            inventory.NodePacks,
            InstallPolicy.CatalogOnly([]),
            dryRun: false,
            CancellationToken.None
        );
        Assert.Equal(ActionStates.Failed, refused.Outcome);
        Assert.StartsWith("refused by this agent's source policy", refused.Message, StringComparison.Ordinal);

        var result = await PackEnabler.EnableAsync(action, inventory.NodePacks, Allowed, dryRun: false, CancellationToken.None);
        Assert.Equal(ActionStates.Failed, result.Outcome);
        Assert.Contains("has no __init__.py, so ComfyUI cannot load it: put back at", result.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", ".disabled", "ComfyUI-TestPack")));
        Assert.False(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack")));
    }

    [Fact]
    public async Task A_path_the_scan_did_not_list_is_refused()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack");
        var (inventory, plan) = await PlanAsync(dir);
        var forged = plan.Actions[0] with
        {
            Enable = plan.Actions[0].Enable! with { From = dir.Combine("elsewhere", "ComfyUI-TestPack.disabled") },
        };

        var result = await PackEnabler.EnableAsync(forged, inventory.NodePacks, Allowed, dryRun: false, CancellationToken.None);

        Assert.Equal(ActionStates.Failed, result.Outcome);
        Assert.Contains("is not a disabled copy of ComfyUI-TestPack that the scan found", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_installer_refuses_a_second_copy_beside_a_disabled_one()
    {
        using var dir = new TempDir();
        await DisabledCheckoutAsync(dir, ".disabled/ComfyUI-TestPack@1_0_0");

        var result = await new NodePackInstaller(Allowed).InstallAsync(
            new PackInstallRequest("ComfyUI-TestPack", Url, null, ["TestNode"]),
            new InstallContext(dir.Combine("ComfyUI"), null)
        );

        Assert.Equal(InstallOutcome.Failed, result.Outcome);
        Assert.Contains("a disabled copy of ComfyUI-TestPack", result.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("ComfyUI", "custom_nodes", "ComfyUI-TestPack")));
    }
}
