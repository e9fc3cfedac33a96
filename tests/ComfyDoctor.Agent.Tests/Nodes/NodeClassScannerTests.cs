using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Tests.Nodes;

public sealed class NodeClassScannerTests
{
    [Fact]
    public void Reads_dict_literals_item_assignments_updates_and_v3_ids()
    {
        var source = """
            from .nodes import *
            NODE_CLASS_MAPPINGS = {
                "ImageResize+": ImageResize,
                'MaskBlur': MaskBlur,  # trailing comment
                # "Commented": Nope,
                "Nested": make({"inner": 1}),
            }
            NODE_CLASS_MAPPINGS["Late Added"] = LateNode
            NODE_CLASS_MAPPINGS.update({"FromUpdate": X, "Second": Y})
            if NODE_CLASS_MAPPINGS["Late Added"] == 3: pass

            class V3Node(io.ComfyNode):
                @classmethod
                def define_schema(cls):
                    return io.Schema(node_id="V3Sampler", display_name="x")
            # NODE_CLASS_MAPPINGS["GoneInComment"] = Z
            """;

        var names = NodeClassScanner.FromSource(source).ToHashSet();

        Assert.Equal(new HashSet<string> { "ImageResize+", "MaskBlur", "Nested", "Late Added", "FromUpdate", "Second", "V3Sampler" }, names);
    }

    [Fact]
    public void Typed_annotation_form_is_read()
    {
        Assert.Equal(["A"], NodeClassScanner.FromSource("NODE_CLASS_MAPPINGS: dict[str, type] = {\"A\": A}\n"));
    }
}
