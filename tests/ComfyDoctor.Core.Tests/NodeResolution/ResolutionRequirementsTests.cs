using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class ResolutionRequirementsTests
{
    [Fact]
    public void Groups_packs_unresolved_types_and_models_across_workflows()
    {
        var a = WorkflowReader.Read("a.json", TestCatalog.Json("{'1': {'class_type': 'ToolB', 'inputs': {'ckpt_name': 'x.safetensors'}}, '2': {'class_type': 'Nope', 'inputs': {}}}"));
        var b = WorkflowReader.Read("b.json", TestCatalog.Json("{'nodes': [{'id': 1, 'type': 'Shared Node'}, {'id': 2, 'type': 'Nope'}, {'id': 3, 'type': 'CheckpointLoaderSimple', 'widgets_values': ['X.safetensors']}]}"));
        var report = NodeResolver.Resolve([a, b], new ResolveOptions(TestCatalog.Load()));

        var pack = Assert.Single(report.NodePacks());
        Assert.Equal(("https://github.com/orig/ComfyUI-Tools", "tools-registry-id"), (pack.Url, pack.Id));
        Assert.Equal(["ToolB", "Shared Node"], pack.NodeTypes);
        Assert.Equal(["a.json", "b.json"], pack.RequiredBy);
        var nope = Assert.Single(report.UnresolvedNodes());
        Assert.Equal(("Nope", 2), (nope.NodeType, nope.RequiredBy.Count));
        Assert.Equal(["a.json", "b.json"], Assert.Single(report.Models()).RequiredBy);
    }
}
