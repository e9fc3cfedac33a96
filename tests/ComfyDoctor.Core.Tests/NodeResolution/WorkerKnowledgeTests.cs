using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>What a worker's ComfyUI teaches the server's resolver: each pack folder's types, with the checkout's remote.</summary>
public sealed class WorkerKnowledgeTests
{
    private const string Runtime = "https://github.com/example-org/ComfyUI-Runtime";

    [Fact]
    public void Each_folder_s_types_come_with_its_git_remote_or_none_for_a_folder_that_is_no_checkout()
    {
        var inventory = Live(
            new InventoryBuilder().Pack("ComfyUI-Runtime", Runtime, new string('a', 40)).Pack("loose-pack"),
            new()
            {
                ["SamplerRuntime"] = "ComfyUI-Runtime",
                ["LoaderRuntime"] = "ComfyUI-Runtime",
                ["LooseNode"] = "loose-pack",
            }
        );

        var known = WorkerKnowledge.Known(inventory);

        Assert.Equal(
            [("ComfyUI-Runtime", Runtime, "LoaderRuntime SamplerRuntime"), ("loose-pack", null, "LooseNode")],
            known.Select(k => (k.Folder, k.Url, string.Join(' ', k.NodeTypes)))
        );
        Assert.All(known, k => Assert.Equal((KnownNodeSource.ObjectInfo, "w1"), (k.Source, k.Where)));
    }

    [Fact]
    public void A_hint_free_type_resolves_to_the_pack_a_worker_s_comfyui_loaded_it_from()
    {
        var inventory = Live(
            new InventoryBuilder().Pack("ComfyUI-Runtime", Runtime, new string('a', 40)),
            new() { ["LoaderRuntime"] = "ComfyUI-Runtime" }
        );
        var workflow = Core.Workflows.WorkflowReader.Read(
            "w.json",
            new MemoryStream("""{"1": {"class_type": "LoaderRuntime", "inputs": {}}}"""u8.ToArray())
        );

        var before = NodeResolver.ResolveFleet([workflow], new ResolveOptions(NodeCatalog.Empty));
        var after = NodeResolver.ResolveFleet(
            [workflow],
            new ResolveOptions(NodeCatalog.Empty) { Known = WorkerKnowledge.Known(inventory) }
        );

        Assert.Equal(ResolutionStatus.Unresolved, before.Workflows[0].Nodes[0].Status);
        Assert.Equal(
            (Runtime, ResolutionEvidence.ObjectInfo),
            (after.Workflows[0].Nodes[0].Pack?.Url, after.Workflows[0].Nodes[0].Evidence)
        );
    }

    [Fact]
    public void An_agent_that_predates_the_field_teaches_nothing_and_a_folder_name_that_is_a_path_is_refused()
    {
        Assert.Empty(
            WorkerKnowledge.Known(new InventoryBuilder().Build() with { Live = new LiveComfyUi("http://x/", [], null, null, null, []) })
        );
        var hostile = Live(new InventoryBuilder(), new() { ["X"] = "../elsewhere" });
        Assert.Equal(
            "live.customNodeFolders[X]: '../elsewhere' is not a folder name under custom_nodes",
            InventoryValidator.Problem(hostile)
        );
        Assert.Null(InventoryValidator.Problem(Live(new InventoryBuilder(), new() { ["X"] = "ComfyUI-Runtime" })));
    }

    private static WorkerInventory Live(InventoryBuilder builder, Dictionary<string, string> folders) =>
        builder.Build() with
        {
            Live = new LiveComfyUi("http://127.0.0.1:8188/", [.. folders.Keys], null, null, null, []) { CustomNodeFolders = folders },
        };
}
