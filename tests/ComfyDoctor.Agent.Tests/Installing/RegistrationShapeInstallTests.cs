using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Tests.Installing;

/// <summary>
/// Packs written here in the registration shapes of real packs (KJNodes, rgthree, MultiGPU; no fetched code), served
/// from real git repositories: every one installs, and each node type says whether static reading confirmed it.
/// </summary>
public sealed class RegistrationShapeInstallTests : IDisposable
{
    private readonly Sandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private async Task<PackInstallResult> InstallAsync(string name, string[] types, params (string Path, string Content)[] files)
    {
        var repo = new PackRepo(_sandbox.Root, name);
        foreach (var (path, content) in files)
        {
            repo.Write(path, content);
        }

        repo.Commit("the pack");
        repo.Publish();
        return await InstallerFactory
            .Installer(InstallerFactory.Policy(repo.Url))
            .InstallAsync(new PackInstallRequest(name, repo.Url, null, types), new InstallContext(_sandbox.ComfyUi, null));
    }

    private static NodeTypeResult Type(PackInstallResult result, string type) => result.NodeTypes.Single(t => t.NodeType == type);

    [Fact]
    public async Task A_config_table_pack_with_javascript_virtual_nodes_is_confirmed_whole()
    {
        var result = await InstallAsync(
            "KJ-Shape",
            ["INTConstant", "ImageResizeKJv2", "SetNode", "GetNode"],
            (
                "__init__.py",
                """
                from .nodes.nodes import INTConstant, ImageResizeKJv2
                NODE_TABLE = {
                    "INTConstant": {"class": INTConstant, "name": "INT Constant"},
                    "ImageResizeKJv2": {"class": ImageResizeKJv2},
                }
                NODE_CLASS_MAPPINGS = {name: info["class"] for name, info in NODE_TABLE.items()}
                NODE_DISPLAY_NAME_MAPPINGS = {name: info.get("name", name) for name, info in NODE_TABLE.items()}
                WEB_DIRECTORY = "./web/js"
                """
            ),
            ("nodes/nodes.py", "class INTConstant:\n    pass\nclass ImageResizeKJv2:\n    pass\n"),
            (
                "web/js/setgetnodes.js",
                "app.registerExtension({ name: 'SetGet', registerCustomNodes() {\n"
                    + "  LiteGraph.registerNodeType(\"SetNode\", SetNode);\n  LiteGraph.registerNodeType('GetNode', GetNode);\n} });\n"
            )
        );

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.False(result.HasUnconfirmed);
        Assert.All(result.NodeTypes, t => Assert.Equal(NodeTypeStates.Confirmed, t.State));
        Assert.True(Type(result, "SetNode").FrontendOnly);
        Assert.False(Type(result, "INTConstant").FrontendOnly);
    }

    [Fact]
    public async Task Names_built_by_a_function_are_confirmed_and_a_javascript_only_node_is_named_but_not_confirmed()
    {
        var result = await InstallAsync(
            "rgthree-shape",
            ["Seed (rgthree)", "Fast Groups Bypasser (rgthree)"],
            ("__init__.py", "from .py.seed import RgthreeSeed\nNODE_CLASS_MAPPINGS = {\n  RgthreeSeed.NAME: RgthreeSeed,\n}\n"),
            ("py/constants.py", "NAMESPACE='rgthree'\n\ndef get_name(name):\n    return '{} ({})'.format(name, NAMESPACE)\n"),
            ("py/seed.py", "from .constants import get_name\n\nclass RgthreeSeed:\n  NAME = get_name('Seed')\n"),
            (
                "web/comfyui/constants.js",
                "export const NodeTypesString = {\n  FAST_GROUPS_BYPASSER: \"Fast Groups Bypasser (rgthree)\",\n};\n"
            ),
            ("web/comfyui/bypasser.js", "LiteGraph.registerNodeType(NodeTypesString.FAST_GROUPS_BYPASSER, FastGroupsBypasser);\n")
        );

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(NodeTypeStates.Confirmed, Type(result, "Seed (rgthree)").State);
        var bypasser = Type(result, "Fast Groups Bypasser (rgthree)");
        Assert.Equal(NodeTypeStates.Unconfirmed, bypasser.State);
        Assert.Contains($"named in {Path.Combine("web", "comfyui", "constants.js")}", bypasser.Evidence, StringComparison.Ordinal);
        Assert.Equal(["rgthree-shape"], Directory.GetFileSystemEntries(_sandbox.CustomNodes).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Types_registered_at_run_time_install_as_not_confirmed_and_a_running_comfyui_settles_them()
    {
        var result = await InstallAsync(
            "MultiGPU-shape",
            ["UNETLoaderMultiGPU", "LTXVLoaderMultiGPU"],
            (
                "__init__.py",
                """
                from nodes import NODE_CLASS_MAPPINGS as GLOBAL_NODE_CLASS_MAPPINGS
                NODE_CLASS_MAPPINGS = {}
                NODE_CLASS_MAPPINGS["UNETLoaderMultiGPU"] = override_class(GLOBAL_NODE_CLASS_MAPPINGS["UNETLoader"])
                for loader in other_packs_loaders():
                    NODE_CLASS_MAPPINGS[f"{loader}MultiGPU"] = override_class(GLOBAL_NODE_CLASS_MAPPINGS[loader])
                """
            )
        );

        Assert.Equal(InstallOutcome.Installed, result.Outcome);
        Assert.Equal(NodeTypeStates.Confirmed, Type(result, "UNETLoaderMultiGPU").State);
        Assert.Equal(NodeTypeStates.Unconfirmed, Type(result, "LTXVLoaderMultiGPU").State);
        Assert.Contains("not confirmed statically: LTXVLoaderMultiGPU", result.Message, StringComparison.Ordinal);

        var live = new LiveComfyUi("http://127.0.0.1:8188/", ["LTXVLoaderMultiGPU", "UNETLoaderMultiGPU"], null, null, null, []);
        var pending = LiveConfirmation.Apply(result.NodeTypes, live with { NodeTypes = [] }, restartPending: true);
        var restarted = LiveConfirmation.Apply(result.NodeTypes, live, restartPending: false);
        var broken = LiveConfirmation.Apply(result.NodeTypes, live with { NodeTypes = ["UNETLoaderMultiGPU"] }, restartPending: false);

        var waiting = pending.Single(t => t.NodeType == "LTXVLoaderMultiGPU");
        Assert.Contains("restart ComfyUI to load the pack", waiting.Evidence, StringComparison.Ordinal);
        Assert.Equal(NodeTypeStates.Unconfirmed, pending.Single(t => t.NodeType == "LTXVLoaderMultiGPU").State);
        Assert.All(restarted, t => Assert.Equal(NodeTypeStates.Loaded, t.State));
        Assert.Equal(NodeTypeStates.NotLoaded, broken.Single(t => t.NodeType == "LTXVLoaderMultiGPU").State);
    }
}
