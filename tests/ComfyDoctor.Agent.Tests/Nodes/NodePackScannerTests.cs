using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Nodes;

public sealed class NodePackScannerTests
{
    [Fact]
    public async Task Reads_git_facts_pyproject_and_node_classes_of_each_pack()
    {
        using var dir = new TempDir();
        var nodes = dir.Combine("custom_nodes");
        var kj = Path.Combine(nodes, "ComfyUI-KJNodes");
        await Git.InitAsync(
            kj,
            new Dictionary<string, string>
            {
                ["__init__.py"] = "NODE_CLASS_MAPPINGS = {\"GetImageSizeAndCount\": A}\n",
                ["pyproject.toml"] = "[project]\nname = \"comfyui-kjnodes\"\nversion = \"1.1.0\"\n",
            }
        );
        await Git.RunAsync(kj, "tag", "v1.1.0");
        await Git.RunAsync(kj, "remote", "add", "origin", "git@github.com:Kijai/ComfyUI-KJNodes.git");
        var second = await Git.CommitAsync(
            kj,
            new Dictionary<string, string> { ["extra.py"] = "NODE_CLASS_MAPPINGS = {\"Second\": B}\n" },
            "second"
        );
        await File.AppendAllTextAsync(Path.Combine(kj, "__init__.py"), "# local edit\n");

        dir.WriteText("custom_nodes/OldPack.disabled/__init__.py", "NODE_CLASS_MAPPINGS = {\"Old\": O}\n");
        dir.WriteText("custom_nodes/single.py", "NODE_CLASS_MAPPINGS = {\"Single\": S}\n");
        dir.WriteText("custom_nodes/broken/pyproject.toml", "[project\nname = ");
        dir.WriteText("custom_nodes/__pycache__/x.pyc", "");
        dir.WriteText("custom_nodes/.hidden/__init__.py", "");
        dir.WriteText("custom_nodes/example_node.py.example", "");

        var packs = await NodePackScanner.ScanAsync(nodes, CancellationToken.None);

        Assert.Equal(["ComfyUI-KJNodes", "OldPack", "broken", "single.py"], packs.Select(p => p.Name));
        var pack = packs[0];
        Assert.Equal("https://github.com/Kijai/ComfyUI-KJNodes", pack.Git!.Remote);
        Assert.Equal(second, pack.Git.Commit);
        Assert.Null(pack.Git.Tag); // HEAD moved past the tag
        Assert.True(pack.Git.Dirty);
        Assert.Equal(("comfyui-kjnodes", "1.1.0"), (pack.ProjectName, pack.ProjectVersion));
        Assert.Equal(["GetImageSizeAndCount", "Second"], pack.NodeClasses);

        Assert.True(packs[1].Disabled);
        Assert.Equal(["Old"], packs[1].NodeClasses);
        Assert.Null(packs[2].Git);
        Assert.Null(packs[2].ProjectName);
        Assert.True(packs[3].IsFile);
        Assert.Equal(["Single"], packs[3].NodeClasses);
    }

    [Fact]
    public async Task Exact_tag_and_clean_checkout_are_reported()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("custom_nodes", "pack");
        var commit = await Git.InitAsync(repo, new Dictionary<string, string> { ["__init__.py"] = "" });
        await Git.RunAsync(repo, "tag", "v2.0.0");
        await File.WriteAllTextAsync(Path.Combine(repo, "untracked.txt"), "untracked files do not make a checkout dirty");

        var pack = Assert.Single(await NodePackScanner.ScanAsync(dir.Combine("custom_nodes"), CancellationToken.None));

        Assert.Equal(commit, pack.Git!.Commit);
        Assert.Equal("v2.0.0", pack.Git.Tag);
        Assert.False(pack.Git.Dirty);
        Assert.Null(pack.Git.Remote);
    }

    [Fact]
    public async Task Lists_what_comfyuis_loader_tries_single_files_links_v3_and_disabled_files()
    {
        using var dir = new TempDir();
        var nodes = dir.Combine("custom_nodes");
        dir.WriteText("custom_nodes/v3pack/__init__.py", "from .nodes import comfy_entrypoint\n");
        dir.WriteText(
            "custom_nodes/v3pack/nodes.py",
            "class Blur(io.ComfyNode):\n    @classmethod\n    def define_schema(cls):\n        return io.Schema(\n            "
                + "node_id='V3Blur',\n        )\n"
        );
        dir.WriteText("custom_nodes/old_tool.py.disabled", "NODE_CLASS_MAPPINGS = {\"OldTool\": T}\n");
        dir.WriteText("custom_nodes/websocket_image_save.py", "NODE_CLASS_MAPPINGS = {\"SaveImageWebsocket\": S}\n");
        dir.WriteText("custom_nodes/no_init/readme.md", "a clone that failed half-way: ComfyUI tries it and reports IMPORT FAILED");
        dir.WriteText("custom_nodes/.disabled/other@1.0/__init__.py", "");
        dir.WriteText("custom_nodes/notes.txt", "");
        dir.WriteText("shared-packs/linked_pack/__init__.py", "NODE_CLASS_MAPPINGS = {\"Linked\": L}\n");
        Directory.CreateSymbolicLink(Path.Combine(nodes, "linked_pack"), dir.Combine("shared-packs", "linked_pack"));

        var packs = (await NodePackScanner.ScanAsync(nodes, CancellationToken.None)).ToDictionary(p => p.Name);

        Assert.Equal(
            ["linked_pack", "no_init", "old_tool.py", "other", "v3pack", "websocket_image_save.py"],
            packs.Keys.Order(StringComparer.Ordinal)
        );
        // ComfyUI-Manager's .disabled/ folder
        Assert.Equal((true, "1.0"), (packs["other"].Disabled, packs["other"].Manager?.DisabledVersion));
        Assert.Equal(["V3Blur"], packs["v3pack"].NodeClasses);
        Assert.Equal((true, true), (packs["old_tool.py"].IsFile, packs["old_tool.py"].Disabled));
        Assert.Equal(["OldTool"], packs["old_tool.py"].NodeClasses);
        Assert.Equal((true, false), (packs["websocket_image_save.py"].IsFile, packs["websocket_image_save.py"].Disabled));
        Assert.False(packs["linked_pack"].IsFile);
        Assert.Equal(["Linked"], packs["linked_pack"].NodeClasses);
        Assert.Empty(packs["no_init"].NodeClasses);
    }

    [Fact]
    public async Task Missing_folder_is_empty()
    {
        Assert.Empty(await NodePackScanner.ScanAsync("/nonexistent/custom_nodes", CancellationToken.None));
    }
}
