using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Tests.Support;

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

        Assert.Equal(
            new HashSet<string> { "ImageResize+", "MaskBlur", "Nested", "Late Added", "FromUpdate", "Second", "V3Sampler" },
            names
        );
    }

    [Fact]
    public void Typed_annotation_form_is_read()
    {
        Assert.Equal(["A"], NodeClassScanner.FromSource("NODE_CLASS_MAPPINGS: dict[str, type] = {\"A\": A}\n"));
    }

    [Fact]
    public void Only_top_level_keys_of_the_mapping_count()
    {
        var source = """
            NODE_CLASS_MAPPINGS = {
                "Outer": make({"inner": 1, "other": 2}),
                "Listed": [{"in_list": 3}],
                "Called": f("x", "y"),
                "Has#Hash": H, "Has: colon": C,
                **OTHER_MAPPINGS,
            }
            """;

        Assert.Equal(
            ["Called", "Has#Hash", "Has: colon", "Listed", "Outer"],
            NodeClassScanner.FromSource(source).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public void Docstrings_and_comments_do_not_count_but_merged_parts_do()
    {
        var source = """"
            """
            Usage example:
                NODE_CLASS_MAPPINGS = {"FromDocstring": X}
                node_id="DocV3"
            """
            IMAGE_NODE_CLASS_MAPPINGS = {"ImageBlend+": A}
            MASK_NODE_CLASS_MAPPINGS = {'MaskFix+': B}
            NODE_CLASS_MAPPINGS = {**IMAGE_NODE_CLASS_MAPPINGS, **MASK_NODE_CLASS_MAPPINGS}
            NODE_CLASS_MAPPINGS |= {"OrAssigned": C}
            #NODE_CLASS_MAPPINGS["Commented"] = D
            x = 1  # node_id="CommentV3"
            if NODE_CLASS_MAPPINGS == {"Compared": 1}: pass
            OTHER_MAPPINGS = {"NotAMapping": E}
            '''single-quoted docstring node_id="AlsoDoc"'''
            schema = io.Schema(node_id='SingleQuotedV3', category="x")
            """";

        Assert.Equal(
            ["ImageBlend+", "MaskFix+", "OrAssigned", "SingleQuotedV3"],
            NodeClassScanner.FromSource(source).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public void Pack_scan_skips_virtual_environments_git_symlinks_and_large_files()
    {
        using var dir = new TempDir();
        dir.WriteText("pack/__init__.py", "NODE_CLASS_MAPPINGS = {\"Real\": R}\n");
        dir.WriteText("pack/sub/more.py", "NODE_CLASS_MAPPINGS[\"Deeper\"] = D\n");
        dir.WriteText("pack/venv/lib/python3.11/site-packages/dep/nodes.py", "NODE_CLASS_MAPPINGS = {\"FromVenv\": V}\n");
        dir.WriteText("pack/.git/hooks/x.py", "NODE_CLASS_MAPPINGS = {\"FromGit\": G}\n");
        dir.WriteText("elsewhere/nodes.py", "NODE_CLASS_MAPPINGS = {\"ThroughLink\": L}\n");
        Directory.CreateSymbolicLink(dir.Combine("pack", "linked"), dir.Combine("elsewhere"));
        dir.WriteText("pack/big.py", "NODE_CLASS_MAPPINGS = {\"TooBig\": B}\n" + new string('#', 2 << 20));
        dir.WriteText("single.py.disabled", "NODE_CLASS_MAPPINGS = {\"Single\": S}\n");

        Assert.Equal(["Deeper", "Real"], NodeClassScanner.Scan(dir.Combine("pack")));
        Assert.Equal(["Single"], NodeClassScanner.Scan(dir.Combine("single.py.disabled")));
    }
}
