using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Snapshots;

public sealed class SnapshotRulesTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string Impact = "https://github.com/ltdrdata/ComfyUI-Impact-Pack";
    private const string Was = "https://github.com/WASasquatch/was-node-suite-comfyui";
    private const string C1 = "1111111111111111111111111111111111111111";
    private const string C2 = "2222222222222222222222222222222222222222";
    private const string Ui = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

    private static readonly Snapshot Golden = new(
        Ui,
        [new SnapshotGitPack(Kj, C1, false), new SnapshotGitPack(Impact, C1, false), new SnapshotGitPack(Was, C2, true)],
        [],
        [],
        [
            new SnapshotPip("numpy==1.26.4", ""),
            new SnapshotPip("pillow==10.4.0", ""),
            new SnapshotPip("torch==2.5.1+cu124", ""),
            new SnapshotPip("-e git+https://x/y", ""),
        ],
        null
    );

    private static ExpectedState Expected(IReadOnlyList<RequiredNodePack>? workflows = null, params AppliedSnapshot[] snapshots) =>
        SnapshotMerge.Apply(
            ExpectedState.FromRegistry(new ModelRegistry([])) with
            {
                RequiredNodePacks = workflows ?? [],
            },
            snapshots.Length == 0 ? [new AppliedSnapshot("snapshot of tag 'sdxl'", Golden)] : snapshots
        );

    private static InventoryBuilder Drifted() =>
        new InventoryBuilder()
            .Pack("ComfyUI-KJNodes", Kj, C2) // at another commit
            .Pack("ComfyUI-Impact-Pack", Impact, C1, disabled: true) // disabled
            .Pack("was-node-suite-comfyui", Was, C2) // enabled, the snapshot has it disabled
            .Pack("rgthree-comfy", "https://github.com/rgthree/rgthree-comfy", C1) // in no snapshot
            .Environment(e =>
                e with
                {
                    ComfyUi = new ComfyUiCheckout(C1, false, "0.3.60"),
                    Python = e.Python! with
                    {
                        Packages =
                        [
                            new PythonPackage("numpy", "2.1.0", PythonInstallKinds.Wheel, null),
                            new PythonPackage("pillow", "10.4.0", PythonInstallKinds.Wheel, null),
                            new PythonPackage("torch", "2.4.1+cu121", PythonInstallKinds.Wheel, null),
                            new PythonPackage("onnx", "1.16.0", PythonInstallKinds.Wheel, null), // in no snapshot
                            new PythonPackage("pip", "24.2", PythonInstallKinds.Wheel, null), // pip freeze leaves it out too
                        ],
                    },
                }
            );

    [Fact]
    public void A_drifted_worker_is_judged_against_its_snapshot()
    {
        var findings = Diagnoser.Diagnose(Expected(), Drifted().Build()).Findings;

        Assert.Equal(
            [
                (FindingCodes.NodeVersionMismatch, Kj, Severity.Warning, true),
                (FindingCodes.NodeDisabled, Impact, Severity.Error, true),
                (FindingCodes.NodeUnexpected, "rgthree-comfy", Severity.Warning, false),
                (FindingCodes.NodeUnexpected, "was-node-suite-comfyui", Severity.Warning, false),
                (FindingCodes.ComfyUiVersionMismatch, "comfyui", Severity.Warning, false),
                (FindingCodes.PythonPackageMismatch, "numpy", Severity.Warning, true),
                (FindingCodes.PythonPackageMismatch, "torch", Severity.Warning, true),
                (FindingCodes.PythonPackageUnexpected, "onnx", Severity.Warning, false),
            ],
            findings
                .Where(f => f.Code != FindingCodes.NodeDisabled || f.Severity != Severity.Info)
                .Select(f => (f.Code, f.Subject, f.Severity, f.Repairable))
        );
        Assert.Contains("has it disabled", findings.Single(f => f.Subject == "was-node-suite-comfyui").Message, StringComparison.Ordinal);
        Assert.Contains("allow-torch-family", findings.Single(f => f.Subject == "torch").Message, StringComparison.Ordinal);
        Assert.DoesNotContain("allow-torch-family", findings.Single(f => f.Subject == "numpy").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_worker_that_matches_its_snapshot_has_no_snapshot_findings()
    {
        var inventory = new InventoryBuilder()
            .Pack("ComfyUI-KJNodes", Kj, C1)
            .Pack("ComfyUI-Impact-Pack", Impact, C1[..7] + C1[7..])
            .Pack("was-node-suite-comfyui", Was, C2, disabled: true)
            .Environment(e =>
                e with
                {
                    ComfyUi = new ComfyUiCheckout(Ui, false, null),
                    Python = e.Python! with
                    {
                        Packages =
                        [
                            new PythonPackage("numpy", "1.26.4", PythonInstallKinds.Wheel, null),
                            new PythonPackage("Pillow", "10.4.0", PythonInstallKinds.Wheel, null),
                            new PythonPackage("torch", "2.5.1+cu124", PythonInstallKinds.Wheel, null),
                        ],
                    },
                }
            )
            .Build();

        var verdict = Diagnoser.Diagnose(Expected(), inventory);

        Assert.DoesNotContain(verdict.Findings, f => f.Severity != Severity.Info);
        Assert.Equal(Light.Green, verdict.Health.Nodes);
    }

    [Fact]
    public void Two_snapshots_wanting_different_commits_of_a_pack_are_a_conflict_not_a_choice()
    {
        var other = Golden with { GitPacks = [new SnapshotGitPack(Kj, C2, false)], Pips = [new SnapshotPip("numpy==2.1.0", "")] };

        var expected = Expected(
            null,
            new AppliedSnapshot("snapshot of tag 'a'", Golden),
            new AppliedSnapshot("snapshot of worker 'w1'", other)
        );
        var findings = Diagnoser.Diagnose(expected, Drifted().Build()).Findings;

        var conflict = Assert.Single(findings, f => f.Code == FindingCodes.SnapshotConflict && f.Category == HealthCategory.Nodes);
        Assert.Equal(Kj, conflict.Subject);
        Assert.Contains($"snapshot of tag 'a' pins {C1}; snapshot of worker 'w1' pins {C2}", conflict.Message, StringComparison.Ordinal);
        Assert.Contains(findings, f => f.Code == FindingCodes.SnapshotConflict && f.Subject == "numpy");
        Assert.DoesNotContain(findings, f => f.Subject is Kj or "ComfyUI-KJNodes" && f.Code != FindingCodes.SnapshotConflict);

        var plan = RepairPlanner.Plan(
            WorkerReport.From(Drifted().Build(), new Verdict(HealthRules.Lights(findings), findings)),
            expected,
            new RepairPolicy(new RepairScope(false, false, false, MatchSnapshot: true), [], [])
        );
        Assert.DoesNotContain(plan.Actions, a => a.Subject.Contains("KJNodes", StringComparison.Ordinal));
        Assert.Contains(plan.Unresolvable, u =>
            u.Code == FindingCodes.SnapshotConflict && u.Hint.Contains("corrected", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void A_workflow_pin_that_disagrees_with_the_snapshot_is_a_conflict_and_one_that_agrees_merges()
    {
        var pinned = new RequiredNodePack(Kj, null, C2[..8], ["INTConstant"], ["wf-a"], "catalog");
        var agreeing = new RequiredNodePack(Impact, null, C1[..7], ["FaceDetailer"], ["wf-b"], "catalog");

        var expected = Expected([pinned, agreeing]);

        Assert.Empty(expected.RequiredNodePacks);
        var conflict = Assert.Single(expected.Snapshot!.Conflicts);
        Assert.Equal(["snapshot of tag 'sdxl' pins " + C1, "workflows wf-a pin " + C2[..8]], conflict.Wants);
        Assert.Equal(["INTConstant"], conflict.NodeTypes);
        var merged = Assert.Single(expected.Snapshot.Packs);
        Assert.Equal((Impact, C1), (merged.Url, merged.Version));
        Assert.Equal(["FaceDetailer"], merged.NodeTypes);
        Assert.Equal(["snapshot of tag 'sdxl'", "wf-b"], merged.RequiredBy);
    }

    [Fact]
    public void Match_snapshot_plans_the_commit_the_enable_and_the_python_packages_but_not_torch_unless_allowed()
    {
        var inventory = Drifted().Build();
        var expected = Expected();
        var report = WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory));

        var plan = RepairPlanner.Plan(report, expected, new RepairPolicy(RepairScope.Parse(["match-snapshot"]), [], []));

        Assert.Equal(
            [
                (RepairActionKinds.EnableNodePack, Impact),
                (RepairActionKinds.InstallNodePack, Kj),
                (RepairActionKinds.InstallPythonPackages, "python"),
            ],
            plan.Actions.Select(a => (a.Kind, a.Subject))
        );
        Assert.Equal(("ComfyUI-KJNodes", C1), (plan.Actions[1].Pack!.PackName, plan.Actions[1].Pack!.Version));
        Assert.Equal(new SubjectState(true, Commit: C2), plan.Actions[1].Before);
        var python = plan.Actions[2].Python!;
        Assert.Equal([("numpy", "1.26.4")], python.Packages.Select(p => (p.Name, p.Version)));
        Assert.False(python.AllowTorchFamily);
        Assert.Contains(plan.Unresolvable, u => u.Subject == "torch" && u.Hint.Contains("allow-torch-family", StringComparison.Ordinal));
        Assert.Contains(plan.Unresolvable, u => u.Code == FindingCodes.ComfyUiVersionMismatch);
        Assert.Contains(plan.Unresolvable, u => u.Code == FindingCodes.NodeUnexpected && u.Subject == "rgthree-comfy");
        Assert.Contains(plan.Unresolvable, u => u.Code == FindingCodes.PythonPackageUnexpected && u.Subject == "onnx");
        Assert.All(plan.Actions, a => Assert.Equal(RepairUnits.MatchSnapshot, a.Unit)); // one restore: all of it, or none

        var allowed = RepairPlanner.Plan(
            report,
            expected,
            new RepairPolicy(RepairScope.Parse(["match-snapshot", "allow-torch-family"]), [], [])
        );
        var all = allowed.Actions.Single(a => a.Kind == RepairActionKinds.InstallPythonPackages).Python!;
        Assert.Equal([("numpy", "1.26.4"), ("torch", "2.5.1+cu124")], all.Packages.Select(p => (p.Name, p.Version)));
        Assert.True(all.AllowTorchFamily);

        // install-nodes alone leaves the snapshot's packs to match-snapshot: no workflow needs them.
        var nodesOnly = RepairPlanner.Plan(report, expected, new RepairPolicy(RepairScope.Parse(["install-nodes"]), [], []));
        Assert.Empty(nodesOnly.Actions);
    }

    [Fact]
    public void Packages_in_no_snapshot_are_reported_each_up_to_a_limit_then_as_one_finding()
    {
        InventoryBuilder With(int extra) =>
            Drifted()
                .Environment(e =>
                    e with
                    {
                        Python = e.Python! with
                        {
                            Packages =
                            [
                                .. Enumerable.Range(0, extra).Select(i => new PythonPackage($"extra-{i:00}", "1.0", "wheel", null)),
                            ],
                        },
                    }
                );
        string[] Unexpected(int extra) =>
            [
                .. Diagnoser
                    .Diagnose(Expected(), With(extra).Build())
                    .Findings.Where(f => f.Code == FindingCodes.PythonPackageUnexpected)
                    .Select(f => f.Subject),
            ];

        Assert.Equal(20, Unexpected(20).Length);
        var one = Assert.Single(Unexpected(21));
        Assert.Equal("python", one);
        var noPins = Expected(null, new AppliedSnapshot("snapshot of tag 'sdxl'", Golden with { Pips = [] }));
        Assert.DoesNotContain(Diagnoser.Diagnose(noPins, With(3).Build()).Findings, f => f.Code == FindingCodes.PythonPackageUnexpected);
    }

    [Fact]
    public void An_export_of_a_worker_reads_back_as_the_snapshot_it_is()
    {
        var inventory = Drifted()
            .Model("checkpoints/x.safetensors", new string('b', 64), 7)
            .Model("loras/unhashed.safetensors", null)
            .Add(new NodePack("tiny.py", "/comfy/custom_nodes/tiny.py.disabled", true, true, null, null, null, []))
            .Build();

        var snapshot = SnapshotOfInventory.From(inventory);
        var back = SnapshotReader.Read(SnapshotWriter.Write(snapshot, SnapshotFormats.ComfyDoctor), "export.json");

        Assert.Equal(C1, back.ComfyUi);
        Assert.Equal(4, back.GitPacks.Count);
        Assert.Contains(new SnapshotGitPack(Impact, C1, true), back.GitPacks);
        Assert.Equal([new SnapshotFilePack("tiny.py.disabled", true)], back.FilePacks);
        // pip is not listed: pip freeze leaves it out
        Assert.Equal(["numpy==2.1.0", "onnx==1.16.0", "pillow==10.4.0", "torch==2.4.1+cu121"], back.Pips.Select(p => p.Key));
        Assert.Equal([new SnapshotModel("checkpoints/x.safetensors", new string('b', 64), 7)], back.Models!);

        // Judged against its own export, the worker matches.
        var self = SnapshotMerge.Apply(ExpectedState.FromRegistry(new ModelRegistry([])), [new AppliedSnapshot("own", back)]);
        Assert.DoesNotContain(Diagnoser.Diagnose(self, inventory).Findings, f => f.Severity != Severity.Info);
    }
}
