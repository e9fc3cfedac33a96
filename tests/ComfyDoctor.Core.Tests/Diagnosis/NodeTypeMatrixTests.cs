using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Core.Tests.Diagnosis;

/// <summary>Issue 15.6: node findings carry their node types as data, and the fleet's per-type view is read from them.</summary>
public sealed class NodeTypeMatrixTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";

    private static readonly ExpectedState Needs = ExpectedState.FromRegistry(ModelRegistry.Empty) with
    {
        RequiredNodePacks = [new RequiredNodePack(Kj, null, null, ["ImageResizeKJ", "GetImageSizeAndCount"], ["wf.json"], "exact name")],
        UnresolvedNodes = [new UnresolvedNode("MysteryNode", ["wf.json"])],
    };

    [Fact]
    public void Node_findings_name_their_node_types_as_data()
    {
        var partly = new InventoryBuilder()
            .Pack("fork", remote: "https://github.com/someone/fork", commit: new string('a', 40), nodes: ["ImageResizeKJ"])
            .Build();
        var findings = Diagnoser.Diagnose(Needs, partly).Findings;
        Assert.Equal(["GetImageSizeAndCount"], Assert.Single(findings, f => f.Code == FindingCodes.NodeMissing).NodeTypes);
        Assert.Equal(["MysteryNode"], Assert.Single(findings, f => f.Code == FindingCodes.NodeUnresolved).NodeTypes);
        Assert.All(findings.Where(f => f.Category != HealthCategory.Nodes), f => Assert.Null(f.NodeTypes));

        var report = WorkerReport.From(partly, Diagnoser.Diagnose(Needs, partly));
        var json = ReportJson.Serialize(report);
        Assert.Contains(
            "\"nodeTypes\": [\n        \"GetImageSizeAndCount\"",
            json.Replace("\r", "", StringComparison.Ordinal),
            StringComparison.Ordinal
        );
        Assert.Equal(
            ["GetImageSizeAndCount"],
            ReportJson.Deserialize<WorkerReport>(json)!.Findings.Single(f => f.Code == FindingCodes.NodeMissing).NodeTypes
        );
    }

    [Fact]
    public void Each_needed_type_has_its_state_on_each_worker()
    {
        var bare = new InventoryBuilder().Build();
        var complete = new InventoryBuilder()
            .Pack(
                "ComfyUI-KJNodes",
                remote: Kj,
                commit: new string('b', 40),
                nodes: ["ImageResizeKJ", "GetImageSizeAndCount", "MysteryNode"]
            )
            .Build();
        var rows = NodeTypeMatrix.Build(
            Needs,
            new Dictionary<string, IReadOnlyList<Finding>>
            {
                ["gpu-01"] = WorkerReport.From(bare, Diagnoser.Diagnose(Needs, bare)).Findings,
                ["gpu-02"] = WorkerReport.From(complete, Diagnoser.Diagnose(Needs, complete)).Findings,
            }
        );

        Assert.Equal(["GetImageSizeAndCount", "ImageResizeKJ", "MysteryNode"], rows.Select(r => r.NodeType));
        var resize = rows.Single(r => r.NodeType == "ImageResizeKJ");
        Assert.Equal(Kj, resize.Pack);
        Assert.Equal(NodeTypeMatrix.Missing, resize.Workers["gpu-01"]);
        Assert.Equal(NodeTypeMatrix.Ok, resize.Workers["gpu-02"]);
        var mystery = rows.Single(r => r.NodeType == "MysteryNode");
        Assert.Null(mystery.Pack);
        Assert.Equal(NodeTypeMatrix.Unresolved, mystery.Workers["gpu-01"]);
        Assert.Equal(NodeTypeMatrix.Ok, mystery.Workers["gpu-02"]); // the installed pack provides it
    }
}
