using ComfyDoctor.Core.Dependencies;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Dependencies;

public sealed class DependencyGraphTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";

    private static WorkerInventory Worker(string name, Func<InventoryBuilder, InventoryBuilder> build) =>
        build(new InventoryBuilder()).Build() with
        {
            Worker = name,
        };

    private static RequiredNodePack Pack(string url) => new(url, null, null, ["SomeNode"], ["wf"], "test");

    [Fact]
    public void Links_each_workflow_to_its_models_and_packs_and_names_the_workers_that_lack_them()
    {
        var graph = DependencyGraph.Build(
            [
                new WorkflowNeeds("portrait", ["checkpoints/a.safetensors", "unknown/lora.safetensors"], [Pack(Kj)]),
                new WorkflowNeeds("upscale", ["checkpoints/a.safetensors"], []),
            ],
            [
                Worker("w1", b =>
                    b.Model("checkpoints/a.safetensors", null)
                        .Model("loras/lora.safetensors", null)
                        .Pack("kj", Kj + ".git", new string('1', 40))
                ),
                Worker("w2", b => b.Model("checkpoints/a.safetensors", null)),
            ]
        );

        Assert.Equal(
            [
                "workflow:portrait",
                "workflow:upscale",
                "model:checkpoints/a.safetensors",
                "model:unknown/lora.safetensors",
                "pack:https://github.com/kijai/ComfyUI-KJNodes",
            ],
            graph.Nodes.Select(n => n.Id)
        ); // workflows, then models, then packs
        Assert.Equal(3, graph.Edges.Count(e => e.From == "workflow:portrait"));
        Assert.Single(graph.Edges, e => e.From == "workflow:upscale");
        Assert.Empty(graph.Nodes.Single(n => n.Label == "checkpoints/a.safetensors").MissingOn);
        Assert.Equal(["w2"], graph.Nodes.Single(n => n.Label == "unknown/lora.safetensors").MissingOn); // any folder satisfies unknown/
        Assert.Equal(["w2"], graph.Nodes.Single(n => n.Kind == GraphNodeKind.NodePack).MissingOn);
        Assert.Equal("kijai/ComfyUI-KJNodes", graph.Nodes.Single(n => n.Kind == GraphNodeKind.NodePack).Label);
    }

    [Fact]
    public void A_disabled_pack_does_not_count_as_installed()
    {
        var graph = DependencyGraph.Build(
            [new WorkflowNeeds("wf", [], [Pack(Kj)])],
            [Worker("w1", b => b.Pack("kj", Kj, new string('1', 40), disabled: true))]
        );

        Assert.Equal(["w1"], graph.Nodes.Single(n => n.Kind == GraphNodeKind.NodePack).MissingOn);
    }

    [Fact]
    public void No_workflows_no_graph()
    {
        var graph = DependencyGraph.Build([], [Worker("w1", b => b.Model("checkpoints/a.safetensors", null))]);

        Assert.Empty(graph.Nodes);
        Assert.Empty(graph.Edges);
        Assert.Equal(["w1"], graph.Workers);
    }
}
