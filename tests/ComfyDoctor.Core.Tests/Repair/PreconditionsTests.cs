using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Repair;

/// <summary>Issue 14, 4: each planned action records its subject as planned; the agent's check of it on a fresh inventory.</summary>
public sealed class PreconditionsTests
{
    private const string Good = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Bad = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string Other = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private const string PackUrl = "https://github.com/kijai/ComfyUI-KJNodes";

    private static readonly ExpectedState Expected = ExpectedState.FromRegistry(
        new ModelRegistry([
            new RegistryEntry("loras/a.safetensors", Good, 100, ["https://hf.example/a.safetensors"]),
            new RegistryEntry("vae/b.safetensors", Other, 200, ["https://hf.example/b.safetensors"]),
        ])
    ) with
    {
        RequiredNodePacks = [new RequiredNodePack(PackUrl, "comfyui-kjnodes", "a6b867b6", ["INTConstant"], ["wf.json"], "aux_id")],
    };

    private static readonly RepairPolicy Everything = new(
        new RepairScope(SyncModels: true, InstallNodes: true, DeepScanFirst: false),
        [],
        []
    );

    private static WorkerInventory Worker(
        string? lora = Bad,
        string pack = "0123456789abcdef",
        bool dirty = false,
        long free = 900L << 30
    ) =>
        (lora is null ? new InventoryBuilder() : new InventoryBuilder().Model("loras/a.safetensors", lora))
            .Pack("kj-nodes", PackUrl, pack, dirty: dirty, nodes: "INTConstant")
            .Build() with
        {
            ModelRoots = [new ModelRoot("loras", "/comfy/models/loras", "default"), new ModelRoot("vae", "/comfy/models/vae", "default")],
            Environment = new InventoryBuilder().Build().Environment with
            {
                Disks = [new DiskFacts("/", 2000L << 30, free, ["/comfy/models/loras", "/comfy/models/vae"])],
            },
        };

    private static RepairPlan PlanOf(WorkerInventory inventory) =>
        RepairPlanner.Plan(WorkerReport.From(inventory, Diagnoser.Diagnose(Expected, inventory)), Expected, Everything);

    [Fact]
    public void Each_action_records_its_subject_as_the_plan_saw_it()
    {
        var plan = PlanOf(Worker());

        var bySubject = plan.Actions.ToDictionary(a => a.Subject, a => a.Before);
        Assert.Equal(new SubjectState(true, Bad, 100), bySubject["loras/a.safetensors"]);
        Assert.Equal(SubjectState.Absent, bySubject["vae/b.safetensors"]);
        Assert.Equal(new SubjectState(true, Commit: "0123456789abcdef"), bySubject[PackUrl]);
    }

    [Fact]
    public void A_plan_holds_on_the_worker_it_was_made_from()
    {
        var inventory = Worker();

        Assert.All(Preconditions.Judge(PlanOf(inventory), inventory, RepairPolicy.DefaultDiskMargin), Assert.Null);
    }

    [Fact]
    public void A_file_whose_hash_changed_or_that_appeared_since_planned_has_moved()
    {
        var plan = PlanOf(Worker());
        var now = Worker(lora: Other) with { };
        now = now with
        {
            Models =
            [
                .. now.Models,
                new ModelFile(
                    "vae/b.safetensors",
                    "/comfy/models/vae/b.safetensors",
                    7,
                    DateTimeOffset.UnixEpoch,
                    Bad,
                    FormatCheck.Ok("safetensors")
                ),
            ],
        };

        var verdicts = Verdicts(plan, now);

        Assert.Equal("the file was SHA-256 bbbbbbbbbbbb… when planned, is SHA-256 cccccccccccc… now", verdicts["loras/a.safetensors"]);
        Assert.Equal("the file was absent when planned, is SHA-256 bbbbbbbbbbbb… now", verdicts["vae/b.safetensors"]);
        Assert.Null(verdicts[PackUrl]);
    }

    [Fact]
    public void A_file_removed_since_planned_has_moved_too()
    {
        var verdicts = Verdicts(PlanOf(Worker()), Worker(lora: null));

        Assert.Equal("the file was SHA-256 bbbbbbbbbbbb… when planned, is absent now", verdicts["loras/a.safetensors"]);
    }

    [Fact]
    public void A_pack_at_another_commit_or_with_local_changes_has_moved()
    {
        var plan = PlanOf(Worker());

        Assert.Equal(
            "the pack was commit 0123456789ab… when planned, is commit fedcba987654… now",
            Verdicts(plan, Worker(pack: "fedcba9876543210"))[PackUrl]
        );
        Assert.Equal(
            "the pack was commit 0123456789ab… when planned, is commit 0123456789ab… (local changes) now",
            Verdicts(plan, Worker(dirty: true))[PackUrl]
        );
    }

    [Fact]
    public void A_download_its_volume_no_longer_has_room_for_has_moved_and_the_ones_before_it_count()
    {
        var plan = PlanOf(Worker());

        var verdicts = Verdicts(plan, Worker(free: 250), margin: 0);

        Assert.Null(verdicts["loras/a.safetensors"]); // 100 of the 250 bytes
        Assert.Contains(
            "has 150 B free after the downloads before it; this one needs 200 B",
            verdicts["vae/b.safetensors"],
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void An_action_without_a_recorded_subject_is_not_judged_by_it()
    {
        var action = new PlannedAction(
            "enable-node-pack",
            "x",
            "why",
            [],
            "then",
            null,
            new PlannedPack("x.disabled", "u", null, [], null)
        );

        Assert.Equal([null], Preconditions.Judge(new RepairPlan([action], []), Worker(), 0));
    }

    private static Dictionary<string, string?> Verdicts(
        RepairPlan plan,
        WorkerInventory now,
        long margin = RepairPolicy.DefaultDiskMargin
    ) => plan.Actions.Zip(Preconditions.Judge(plan, now, margin)).ToDictionary(x => x.First.Subject, x => x.Second);
}
