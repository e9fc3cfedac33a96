using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Repair;

public sealed class RepairPlannerTests
{
    private const string Good = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Bad = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string Other = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private static readonly RepairScope Models = new(SyncModels: true, InstallNodes: false, DeepScanFirst: false);

    private static readonly ModelRegistry Registry = new([
        new RegistryEntry("loras/a.safetensors", Good, 100, ["https://hf.example/a.safetensors"]),
        new RegistryEntry("vae/b.safetensors", Other, 200, []),
    ]);

    private static RepairPlan Plan(InventoryBuilder builder, RepairPolicy policy, Func<WorkerInventory, WorkerInventory>? change = null)
    {
        var inventory = (change ?? (i => i))(builder.Build());
        var expected = ExpectedState.FromRegistry(Registry);
        return RepairPlanner.Plan(WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory)), expected, policy);
    }

    [Fact]
    public void A_corrupted_model_is_fetched_from_its_url_then_the_mirrors_then_peers_that_hold_it()
    {
        var policy = new RepairPolicy(
            Models,
            [new ModelMirror("nas", "file:///mnt/models/")],
            [
                new PeerHoldings("w2", new HashSet<string> { Good }),
                new PeerHoldings("w1", new HashSet<string> { Good }),
                new PeerHoldings("w3", new HashSet<string> { Other }),
            ]
        );

        var plan = Plan(new InventoryBuilder().Model("loras/a.safetensors", Bad).Model("vae/b.safetensors", Other), policy);

        var action = Assert.Single(plan.Actions);
        Assert.Equal((RepairActionKinds.SyncModel, "loras/a.safetensors"), (action.Kind, action.Subject));
        Assert.StartsWith(FindingCodes.ModelCorrupted, action.Reason, StringComparison.Ordinal);
        Assert.Equal(
            [
                ("url", "hf.example", "https://hf.example/a.safetensors"),
                ("mirror", "nas", "file:///mnt/models/loras/a.safetensors"),
                ("peer", "w2", Good),
            ],
            action.Sources.Select(s => (s.Kind, s.Name, s.Location))
        ); // never itself (w1), never a peer without the hash (w3)
        Assert.Equal(Good, action.Model!.Sha256);
    }

    [Fact]
    public void A_model_without_any_source_is_unresolvable_with_what_to_do()
    {
        var plan = Plan(new InventoryBuilder().Model("loras/a.safetensors", Good), new RepairPolicy(Models, [], []));

        Assert.Empty(plan.Actions);
        var left = Assert.Single(plan.Unresolvable);
        Assert.Equal((FindingCodes.ModelMissing, "vae/b.safetensors"), (left.Code, left.Subject));
        Assert.Contains("configure a model mirror", left.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_unsafe_files_outside_the_registry_are_never_acted_on()
    {
        var plan = Plan(
            new InventoryBuilder()
                .Model("loras/a.safetensors", Good)
                .Model("vae/b.safetensors", Other)
                .Model("embeddings/evil.pt", Bad, format: new FormatCheck("pickle", FormatStatus.Unsafe, "imports os.system")),
            new RepairPolicy(Models, [], [])
        );

        Assert.Empty(plan.Actions);
        Assert.Contains(plan.Unresolvable, u =>
            u.Code == FindingCodes.ModelUnsafe && u.Hint.Contains("quarantine", StringComparison.Ordinal)
        );
        Assert.Contains(plan.Unresolvable, u => u.Code == FindingCodes.ModelUnknown && u.Hint.Contains("adopt", StringComparison.Ordinal));
    }

    [Fact]
    public void A_misplaced_file_is_left_to_the_admin_with_where_it_belongs()
    {
        var vae = FormatCheck.Ok("safetensors") with
        {
            Architecture = new Architecture.ModelArchitecture(Architecture.ModelKinds.Vae, Architecture.ModelFamilies.Unknown),
        };
        var plan = Plan(
            new InventoryBuilder().Model("loras/a.safetensors", Good, format: vae).Model("vae/b.safetensors", Other),
            new RepairPolicy(Models, [], [])
        );

        Assert.Empty(plan.Actions); // the file is the registry's: fetching it again would change nothing
        var left = Assert.Single(plan.Unresolvable);
        Assert.Equal((FindingCodes.ModelMisplaced, "loras/a.safetensors"), (left.Code, left.Subject));
        Assert.EndsWith("it belongs in vae/", left.Message, StringComparison.Ordinal);
        Assert.Contains("move the file", left.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void From_and_models_narrow_the_plan()
    {
        var builder = new InventoryBuilder().Model("loras/a.safetensors", Bad);
        var peers = new List<PeerHoldings> { new("w2", new HashSet<string> { Good, Other }) };

        var fromPeer = Plan(builder, new RepairPolicy(Models, [], peers, From: "w2"));
        Assert.All(fromPeer.Actions, a => Assert.Equal([("peer", "w2")], a.Sources.Select(s => (s.Kind, s.Name))));
        Assert.Equal(2, fromPeer.Actions.Count);

        var onlyOne = Plan(builder, new RepairPolicy(Models, [], peers, Models: new HashSet<string> { "vae/b.safetensors" }));
        Assert.Equal(["vae/b.safetensors"], onlyOne.Actions.Select(a => a.Subject));

        var nowhere = Plan(builder, new RepairPolicy(Models, [], peers, From: "ghost"));
        Assert.Empty(nowhere.Actions);
        Assert.All(nowhere.Unresolvable.Where(u => u.Code != FindingCodes.ModelUnknown), u =>
            Assert.Contains("'ghost'", u.Hint, StringComparison.Ordinal)
        );
    }

    [Fact]
    public void Downloads_that_would_overfill_a_volume_become_disk_findings()
    {
        var peers = new List<PeerHoldings> { new("w2", new HashSet<string> { Good, Other }) };
        var plan = Plan(new InventoryBuilder(), new RepairPolicy(Models, [], peers, DiskMarginBytes: 50), inventory =>
            inventory with
            {
                ModelRoots =
                [
                    new ModelRoot("loras", "/comfy/models/loras", "default"),
                    new ModelRoot("vae", "/comfy/models/vae", "default"),
                ],
                Environment = inventory.Environment with
                {
                    Disks = [new DiskFacts("/", 1000, 260, ["/comfy/models/loras", "/comfy/models/vae"])],
                },
            }
        );

        Assert.Equal(["loras/a.safetensors"], plan.Actions.Select(a => a.Subject)); // 100 bytes leave 160 free, above the 50-byte margin
        var full = Assert.Single(plan.Unresolvable);
        Assert.Equal((FindingCodes.DiskLow, "vae/b.safetensors"), (full.Code, full.Subject)); // 200 more would not fit
        Assert.Contains("160 B free", full.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_drifted_packs_are_installed_at_the_pin_in_their_folder()
    {
        const string Url = "https://github.com/kijai/ComfyUI-KJNodes";
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredNodePacks = [new RequiredNodePack(Url, "comfyui-kjnodes", "a6b867b6", ["INTConstant"], ["wf.json"], "aux_id")],
            UnresolvedNodes = [new UnresolvedNode("MysteryNode", ["wf.json"])],
        };
        var drifted = new InventoryBuilder().Pack("kj-nodes", Url, "0123456789abcdef", nodes: "INTConstant").Build();

        var plan = RepairPlanner.Plan(
            WorkerReport.From(drifted, Diagnoser.Diagnose(expected, drifted)),
            expected,
            new RepairPolicy(new RepairScope(false, true, false), [], [])
        );

        var action = Assert.Single(plan.Actions);
        Assert.Equal(
            ("kj-nodes", Url, "a6b867b6", "comfyui-kjnodes"),
            (action.Pack!.PackName, action.Pack.Url, action.Pack.Version, action.Pack.RegistryId)
        );
        Assert.Equal(["INTConstant"], action.Pack.NodeTypes);
        Assert.Contains(plan.Unresolvable, u => u.Code == FindingCodes.NodeUnresolved && u.Hint.Contains("pin", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "verify-and-repair" }, true, true, true, false, true)]
    [InlineData(new[] { "sync-models" }, true, false, false)]
    [InlineData(new[] { "install-nodes", "sync-models" }, true, true, false)]
    [InlineData(new[] { "quarantine-models" }, false, false, false, true)]
    [InlineData(new[] { "match-snapshot" }, false, false, false, false, true)]
    [InlineData(new[] { "match-snapshot", "allow-torch-family" }, false, false, false, false, true, true)]
    public void Scopes_are_parsed_from_action_names(
        string[] names,
        bool models,
        bool nodes,
        bool deep,
        bool quarantine = false,
        bool match = false,
        bool torch = false
    )
    {
        var scope = RepairScope.Parse(names);
        Assert.Equal(new RepairScope(models, nodes, deep, quarantine, match, torch), scope);
        Assert.Equal(scope, RepairScope.Parse(scope.ToNames()));
    }

    [Fact]
    public void Unknown_action_names_are_refused()
    {
        Assert.Contains(
            "'delete-everything'",
            Assert.Throws<FormatException>(() => RepairScope.Parse(["delete-everything"])).Message,
            StringComparison.Ordinal
        );
        Assert.Throws<FormatException>(() => RepairScope.Parse([]));
    }

    [Theory]
    [InlineData("nas=/mnt/models", "nas", "file:///mnt/models/")]
    [InlineData("http://mirror.local/models", "http://mirror.local/models", "http://mirror.local/models/")]
    [InlineData("hf=https://mirror.local/a=b/", "hf", "https://mirror.local/a=b/")]
    public void Mirrors_are_parsed_and_escape_identities(string text, string name, string location)
    {
        var mirror = ModelMirror.Parse(text);
        Assert.Equal((name, location), (mirror.Name, mirror.BaseLocation));
        Assert.Equal(
            location + "loras/..%2Fx%20y.safetensors",
            mirror.LocationOf("loras/..%2Fx y.safetensors").Replace("%252F", "%2F", StringComparison.Ordinal)
        );
    }
}
