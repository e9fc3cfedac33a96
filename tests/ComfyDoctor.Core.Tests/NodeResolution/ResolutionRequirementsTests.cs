using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class ResolutionRequirementsTests
{
    [Fact]
    public void Groups_packs_unresolved_types_and_models_across_workflows()
    {
        var a = WorkflowReader.Read(
            "a.json",
            TestCatalog.Json(
                "{'1': {'class_type': 'ToolB', 'inputs': {'ckpt_name': 'x.safetensors'}}, '2': {'class_type': 'Nope', 'inputs': {}}}"
            )
        );
        var b = WorkflowReader.Read(
            "b.json",
            TestCatalog.Json(
                "{'nodes': [{'id': 1, 'type': 'Shared Node'}, {'id': 2, 'type': 'Nope'}, {'id': 3, 'type': "
                    + "'CheckpointLoaderSimple', 'widgets_values': ['X.safetensors']}]}"
            )
        );
        var report = NodeResolver.Resolve([a, b], new ResolveOptions(TestCatalog.Load()));

        var pack = Assert.Single(report.NodePacks());
        Assert.Equal(("https://github.com/orig/ComfyUI-Tools", "tools-registry-id"), (pack.Url, pack.Id));
        Assert.Equal(["ToolB", "Shared Node"], pack.NodeTypes);
        Assert.Equal(["a.json", "b.json"], pack.RequiredBy);
        var nope = Assert.Single(report.UnresolvedNodes());
        Assert.Equal(("Nope", 2), (nope.NodeType, nope.RequiredBy.Count));
        Assert.Equal(["a.json", "b.json"], Assert.Single(report.Models()).RequiredBy);
    }

    [Fact]
    public void Several_pins_for_one_pack_make_one_requirement_with_the_pin_most_types_carry_first()
    {
        // Nodes saved at different times carry different pins for the same pack (issue 15.1).
        var wf = WorkflowReader.Read(
            "wf.json",
            TestCatalog.Json(
                "{'nodes': ["
                    + "{'id': 1, 'type': 'ToolB', 'properties': {'cnr_id': 'tools-registry-id', 'ver': 'abc1234'}},"
                    + "{'id': 2, 'type': 'Shared Node', 'properties': {'cnr_id': 'tools-registry-id', 'ver': '1.2.0'}},"
                    + "{'id': 3, 'type': 'ToolA', 'properties': {'cnr_id': 'tools-registry-id', 'ver': '1.2.0'}}]}"
            )
        );
        var report = NodeResolver.Resolve([wf], new ResolveOptions(TestCatalog.Load()));

        var pack = Assert.Single(report.NodePacks());
        Assert.Equal("1.2.0", pack.Version);
        Assert.Equal(["abc1234"], pack.OtherVersions);
        Assert.Equal(["1.2.0", "abc1234"], pack.Pins);
    }
}
