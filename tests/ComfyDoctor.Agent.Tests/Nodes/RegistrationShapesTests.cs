using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Tests.Nodes;

/// <summary>
/// The registration shapes real packs use (issue 15.1), each written here as a minimal pack in the same Python shape:
/// the static reader must confirm these names, and must not invent names it cannot know.
/// </summary>
public sealed class RegistrationShapesTests
{
    private static HashSet<string> Read(params string[] files) => [.. NodeClassScanner.FromSources(files)];

    [Fact]
    public void A_config_dict_turned_into_mappings_by_a_helper_is_read()
    {
        // KJNodes: NODE_CONFIG = {"Name": {"class": C, "name": "Display"}}, grown with .update, turned into mappings by a function.
        var init = """
            NODE_CONFIG = {
                "INTConstant": {"class": INTConstant, "name": "INT Constant"},
                "GrowMaskWithBlur": {"class": GrowMaskWithBlur},
            }
            try:
                NODE_CONFIG.update({"PatchTritonVAE": {"class": PatchTritonVAE}})
            except Exception:
                pass

            def generate_node_mappings(node_config):
                node_class_mappings = {}
                for node_name, node_info in node_config.items():
                    node_class_mappings[node_name] = node_info["class"]
                return node_class_mappings, {}

            NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS = generate_node_mappings(NODE_CONFIG)
            """;

        Assert.Equal(new HashSet<string> { "INTConstant", "GrowMaskWithBlur", "PatchTritonVAE" }, Read(init));
    }

    [Fact]
    public void Part_mappings_merged_from_other_files_are_read()
    {
        // ComfyUI_essentials: each module has X_CLASS_MAPPINGS; __init__ merges them with .update(X).
        var init = "from .mask import MASK_CLASS_MAPPINGS\nNODE_CLASS_MAPPINGS = {}\nNODE_CLASS_MAPPINGS.update(MASK_CLASS_MAPPINGS)\n";
        var mask =
            "MASK_CLASS_MAPPINGS = {\n    \"MaskPreview+\": MaskPreview,\n}\n"
            + "MASK_NAME_MAPPINGS = {\"MaskPreview+\": \"Mask Preview\"}\n";

        Assert.Equal(new HashSet<string> { "MaskPreview+" }, Read(init, mask));
    }

    [Fact]
    public void A_dict_copied_in_a_loop_and_spread_dicts_are_read()
    {
        var init = """
            from .a import NODES
            from .b import MORE
            for name, cls in NODES.items():
                NODE_CLASS_MAPPINGS[name] = cls
            ALL = {**MORE}
            NODE_CLASS_MAPPINGS |= ALL
            """;
        var a = "NODES = {\"LoopedNode\": Looped}\n";
        var b = "MORE = {'SpreadNode': Spread}\nUNRELATED = {'NotANode': 1}\n";

        Assert.Equal(new HashSet<string> { "LoopedNode", "SpreadNode" }, Read(init, a, b));
    }

    [Fact]
    public void Names_built_by_a_helper_function_are_evaluated()
    {
        // rgthree: keys are Class.NAME, NAME = get_name("Seed"), get_name formats "{} ({})" with NAMESPACE.
        var constants = "NAMESPACE='rgthree'\n\ndef get_name(name):\n    return '{} ({})'.format(name, NAMESPACE)\n";
        var seed = "from .constants import get_name\nclass RgthreeSeed:\n  NAME = get_name(\"Seed\")\n  CATEGORY = 'x'\n";
        // Each module may name its node in a module constant of the same name: the class's own module decides.
        var lora = "NODE_NAME = get_name('Power Lora Loader')\n\nclass RgthreePowerLoraLoader:\n  NAME = NODE_NAME\n";
        var resize = "NODE_NAME = get_name('Image Resize')\n\nclass RgthreeImageResize:\n  NAME = NODE_NAME\n";
        var init =
            "NODE_CLASS_MAPPINGS = {\n  RgthreeSeed.NAME: RgthreeSeed,\n  RgthreePowerLoraLoader.NAME: RgthreePowerLoraLoader,\n"
            + "  RgthreeImageResize.NAME: RgthreeImageResize,\n}\n";

        Assert.Equal(
            new HashSet<string> { "Seed (rgthree)", "Power Lora Loader (rgthree)", "Image Resize (rgthree)" },
            Read(constants, seed, lora, resize, init)
        );
    }

    [Fact]
    public void Enum_values_f_strings_and_concatenation_are_evaluated()
    {
        // Crystools: keys are CLASSES.X_NAME.value of an Enum.
        var names = "from enum import Enum\nclass CLASSES(Enum):\n    CTEXTML_NAME = 'Primitive string multiline [Crystools]'\n";
        var init = """
            SUFFIX = " [Pack]"
            def named(base):
                return f"{base}{SUFFIX}"
            NODE_CLASS_MAPPINGS = {
                CLASSES.CTEXTML_NAME.value: CTextML,
                named("Joined"): Joined,
                "Plus" + SUFFIX: Plus,
            }
            """;

        Assert.Equal(new HashSet<string> { "Primitive string multiline [Crystools]", "Joined [Pack]", "Plus [Pack]" }, Read(names, init));
    }

    [Fact]
    public void V3_schemas_name_their_node_with_a_literal_or_a_constant()
    {
        var nodes = """
            LOADER_ID = "ACN_Loader"
            class Loader(io.ComfyNode):
                @classmethod
                def define_schema(cls):
                    return io.Schema(node_id=LOADER_ID, category="x")
            class Weights(io.ComfyNode):
                @classmethod
                def define_schema(cls):
                    return io.Schema(node_id='SoftWeights')
            class Extension(ComfyExtension):
                async def get_node_list(self):
                    return [Loader, Weights]
            async def comfy_entrypoint():
                return Extension()
            """;

        Assert.Equal(new HashSet<string> { "ACN_Loader", "SoftWeights" }, Read(nodes));
    }

    [Fact]
    public void Names_that_depend_on_run_time_or_have_two_values_are_not_guessed()
    {
        // MultiGPU: names made at run time from other packs' loaders; a constant with two values; a helper with a loop.
        var init = """
            MODE = "a"
            MODE = "b"
            def make(name):
                for x in range(2):
                    pass
                return name
            for loader in find_loaders():
                NODE_CLASS_MAPPINGS[f"{loader}MultiGPU"] = wrap(loader)
            NODE_CLASS_MAPPINGS = {MODE: A, make("Made"): B, "UNETLoaderMultiGPU": C}
            """;

        Assert.Equal(new HashSet<string> { "UNETLoaderMultiGPU" }, Read(init));
    }

    [Fact]
    public void JavaScript_virtual_nodes_are_read_from_register_node_type()
    {
        var js = """
            app.registerExtension({
                name: "KJNodes.SetNode",
                registerCustomNodes() {
                    class SetNode extends LGraphNode {}
                    LiteGraph.registerNodeType("SetNode", SetNode);
                    LiteGraph.registerNodeType(`GetNode`, GetNode);
                    LiteGraph.registerNodeType(this.type, this);
                },
            });
            """;

        Assert.Equal(["GetNode", "SetNode"], JsNodeScanner.FromSource(js).Order(StringComparer.Ordinal));
    }
}
