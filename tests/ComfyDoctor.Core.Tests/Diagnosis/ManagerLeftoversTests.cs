using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Tests.NodeResolution;

namespace ComfyDoctor.Core.Tests.Diagnosis;

/// <summary>Issue 15.4: what ComfyUI-Manager leaves on disk — disabled copies, registry installs, moved repositories.</summary>
public sealed class ManagerLeftoversTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static ExpectedState Needs(string? version, IReadOnlyList<string>? alternates = null) =>
        ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredNodePacks =
            [
                new RequiredNodePack(Kj, "comfyui-kjnodes", version, ["INTConstant"], ["wf.json"], "exact name")
                {
                    AlternateUrls = alternates ?? [],
                },
            ],
        };

    /// <summary>A registry pack ComfyUI-Manager disabled: <c>custom_nodes/.disabled/comfyui-kjnodes@1_0_5</c>.</summary>
    private static NodePack DisabledRegistryCopy(string version) =>
        new(
            "comfyui-kjnodes",
            $"/comfy/custom_nodes/.disabled/comfyui-kjnodes@{version.Replace('.', '_')}",
            false,
            true,
            null,
            "comfyui-kjnodes",
            version,
            ["INTConstant"]
        )
        {
            Manager = new ManagerFacts("comfyui-kjnodes", true, Kj, true, version),
        };

    private static RepairPlan Plan(ExpectedState expected, WorkerInventory inventory) =>
        RepairPlanner.Plan(
            WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory)),
            expected,
            new RepairPolicy(new RepairScope(SyncModels: false, InstallNodes: true, DeepScanFirst: false), [], [])
        );

    [Fact]
    public void A_disabled_copy_is_enabled_never_installed_beside_it()
    {
        var inventory = new InventoryBuilder().Add(DisabledRegistryCopy("1.0.5")).Build();

        var plan = Plan(Needs(null), inventory);

        var action = Assert.Single(plan.Actions);
        Assert.Equal((RepairActionKinds.EnableNodePack, Kj), (action.Kind, action.Subject));
        Assert.Null(action.Pack); // nothing for the installer
        Assert.Equal(
            ("/comfy/custom_nodes/.disabled/comfyui-kjnodes@1_0_5", "comfyui-kjnodes", "1.0.5"),
            (action.Enable!.From, action.Enable.PackName, action.Enable.Version)
        );
        Assert.Equal(["INTConstant"], action.Enable.NodeTypes);
        Assert.StartsWith("node.disabled: installed but disabled", action.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_copy_at_the_pin_is_chosen_else_the_newest_as_comfyui_manager_does()
    {
        var inventory = new InventoryBuilder()
            .Add(DisabledRegistryCopy("1.0.5"))
            .Add(DisabledRegistryCopy("1.2.0"))
            .Add(DisabledRegistryCopy("0.9.0"))
            .Build();

        Assert.Equal("1.0.5", Assert.Single(Plan(Needs("1.0.5"), inventory).Actions).Enable!.Version);
        Assert.Equal("1.2.0", Assert.Single(Plan(Needs(null), inventory).Actions).Enable!.Version);
        var unpinned = Assert.Single(Plan(Needs("1.1.0"), inventory).Actions);
        Assert.Equal("1.2.0", unpinned.Enable!.Version);
        Assert.Contains("the workflows pin 1.1.0", unpinned.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void An_enabled_copy_wins_over_a_disabled_one_and_unneeded_disabled_packs_stay_info()
    {
        var enabled = new NodePack(
            "comfyui-kjnodes",
            "/comfy/custom_nodes/comfyui-kjnodes",
            false,
            false,
            null,
            "comfyui-kjnodes",
            "1.0.5",
            ["INTConstant"]
        )
        {
            Manager = new ManagerFacts("comfyui-kjnodes", true, null, false, null),
        };
        var other = new NodePack("other", "/comfy/custom_nodes/.disabled/other", false, true, null, null, null, []);
        var inventory = new InventoryBuilder().Add(enabled).Add(DisabledRegistryCopy("1.2.0")).Add(other).Build();

        var findings = Diagnoser.Diagnose(Needs("1.0.5"), inventory).Findings;

        var info = Assert.Single(findings, f => f.Code == FindingCodes.NodeDisabled);
        Assert.Equal(("other", Severity.Info), (info.Subject, info.Severity));
        Assert.Empty(Plan(Needs("1.0.5"), inventory).Actions);
    }

    [Fact]
    public void A_registry_install_is_the_pack_by_its_id_and_semver_compares_as_the_registry_does()
    {
        // custom_nodes/comfyui-kjnodes from a registry zip: no git, .tracking, pyproject name = registry id, version 2.5.
        var registry = new NodePack(
            "comfyui-kjnodes",
            "/comfy/custom_nodes/comfyui-kjnodes",
            false,
            false,
            null,
            "comfyui-kjnodes",
            "2.5",
            ["INTConstant"]
        )
        {
            Manager = new ManagerFacts("comfyui-kjnodes", true, null, false, null),
        };
        var inventory = new InventoryBuilder().Add(registry).Build();

        Assert.DoesNotContain(Diagnoser.Diagnose(Needs("2.5.0"), inventory).Findings, f => f.Category == HealthCategory.Nodes);
        var drift = Assert.Single(Diagnoser.Diagnose(Needs("2.6.0"), inventory).Findings);
        Assert.Equal(FindingCodes.NodeVersionMismatch, drift.Code);
        Assert.Contains("recognised by a registry install of 'comfyui-kjnodes' (.tracking)", drift.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkout_whose_repository_moved_is_the_pack_by_alternate_url_or_registry_id()
    {
        NodePack Checkout(string remote, string? project = null, string? cnrId = null) =>
            new(
                "ComfyUI-KJNodes",
                "/comfy/custom_nodes/ComfyUI-KJNodes",
                false,
                false,
                new GitFacts(remote, Commit, null, false),
                project,
                null,
                ["INTConstant"]
            )
            {
                Manager = cnrId is null ? null : new ManagerFacts(cnrId, false, null, false, null),
            };
        const string Old = "https://github.com/kijai-old/ComfyUI-KJNodes";

        Assert.True(InstalledPackMatcher.Matches(Checkout(Old), Needs(null, [Old]).RequiredNodePacks[0]));
        Assert.False(InstalledPackMatcher.Matches(Checkout(Old), Needs(null).RequiredNodePacks[0])); // a stranger's repository is not it
        Assert.True(InstalledPackMatcher.Matches(Checkout(Old, cnrId: "comfyui-kjnodes"), Needs(null).RequiredNodePacks[0]));
        Assert.True(InstalledPackMatcher.Matches(Checkout(Old, project: "comfyui-kjnodes"), Needs(null).RequiredNodePacks[0]));

        var inventory = new InventoryBuilder().Add(Checkout(Old)).Build();
        var findings = Diagnoser.Diagnose(Needs("fedcba9", [Old]), inventory).Findings;
        var drift = Assert.Single(findings);
        Assert.Contains($"its git remote {Old}, which the catalog lists for this pack", drift.Message, StringComparison.Ordinal);
        var install = Assert.Single(Plan(Needs("fedcba9", [Old]), inventory).Actions);
        Assert.Equal("ComfyUI-KJNodes", install.Pack!.PackName); // moved in place, not cloned beside it
    }

    [Fact]
    public void The_catalog_carries_a_packs_other_urls_to_the_requirement()
    {
        const string Map = "{'https://github.com/new-owner/ComfyUI-Moved': [['MovedNode'], {'title_aux': 'Moved'}]}";
        const string List = """
            {'custom_nodes': [{'author': 'x', 'title': 'Moved', 'id': 'moved', 'reference': 'https://github.com/old-owner/ComfyUI-Moved',
              'files': ['https://github.com/new-owner/ComfyUI-Moved'], 'install_type': 'git-clone', 'description': 'd'},
             {'author': 'y', 'title': 'Wiki', 'reference': 'https://github.com/y/pack/wiki/Docs', 'files': ['https://github.com/y/pack'],
              'install_type': 'git-clone', 'description': 'd'}]}
            """;
        var catalog = NodeCatalog.Load(TestCatalog.Json(Map), TestCatalog.Json(List));

        Assert.Equal(
            ["https://github.com/old-owner/ComfyUI-Moved"],
            catalog.FindByUrl("https://github.com/new-owner/ComfyUI-Moved")!.AlternateUrls
        );
        Assert.Empty(catalog.FindByUrl("https://github.com/y/pack")!.AlternateUrls); // a wiki page is no repository

        var document = new Core.Workflows.WorkflowDocument(
            "wf.json",
            Core.Workflows.WorkflowShape.Ui,
            [TestCatalog.Node("MovedNode") with { Id = "1" }],
            [],
            []
        );
        var report = NodeResolver.Resolve([document], new ResolveOptions(catalog));
        Assert.Equal(["https://github.com/old-owner/ComfyUI-Moved"], Assert.Single(report.NodePacks()).AlternateUrls);
    }
}
