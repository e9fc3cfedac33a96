using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Agent.Tests.Nodes;

/// <summary>Real folders and real git repositories (a checkout and a bare mirror), with web code written here.</summary>
public sealed class PackWebCodeTests
{
    private const string VirtualNodes = """
        import { app } from "../../../scripts/app.js";
        app.registerExtension({
          name: "test.virtual",
          registerCustomNodes() {
            class StoreNode extends LGraphNode {}
            LiteGraph.registerNodeType("StoreNode", StoreNode);
            LiteGraph.registerNodeType("FetchNode", class extends LGraphNode {});
          },
        });
        """;

    private static readonly Dictionary<string, string> Pack = new()
    {
        ["__init__.py"] = "NODE_CLASS_MAPPINGS = {}\nWEB_DIRECTORY = \"./web\"\n",
        ["web/js/virtual.js"] = VirtualNodes,
        ["examples/not_served.js"] = "LiteGraph.registerNodeType(\"NotServed\", X);",
    };

    [Fact]
    public async Task Reads_checkouts_and_bare_mirrors_from_the_folder_the_pack_serves()
    {
        using var dir = new TempDir();
        var checkout = dir.Combine("sources", "ComfyUI-Virtual");
        await Git.InitAsync(checkout, Pack);
        await Git.RunAsync(checkout, "remote", "add", "origin", "https://deploy:s3cret@github.com/someone/ComfyUI-Virtual.git");
        await Git.RunAsync(dir.Path, "clone", "--quiet", "--bare", checkout, dir.Combine("sources", "other+Mirrored-Pack", "repo"));
        Directory.CreateDirectory(dir.Combine("sources", "plain-folder"));

        var known = await PackWebCode.ReadAsync(dir.Combine("sources"), CancellationToken.None);

        Assert.Equal(2, known.Count);
        var fromCheckout = known.Single(k => k.Folder == "ComfyUI-Virtual");
        Assert.Equal(("https://github.com/someone/ComfyUI-Virtual", KnownNodeSource.WebCode), (fromCheckout.Url, fromCheckout.Source));
        Assert.Equal(["StoreNode", "FetchNode"], fromCheckout.NodeTypes);
        Assert.EndsWith(Path.Combine("ComfyUI-Virtual", "web", "js", "virtual.js"), fromCheckout.Where, StringComparison.Ordinal);
        var fromMirror = known.Single(k => k.Folder == "Mirrored-Pack");
        // A bare clone's origin is the checkout's path, no repository: the owner+repo folder name says which it is.
        Assert.Equal("https://github.com/other/Mirrored-Pack", fromMirror.Url);
        Assert.Equal(["StoreNode", "FetchNode"], fromMirror.NodeTypes);
    }

    [Fact]
    public async Task Never_reads_outside_the_pack()
    {
        using var dir = new TempDir();
        dir.WriteText("outside/web/evil.js", "LiteGraph.registerNodeType(\"Outside\", X);");
        dir.WriteText("custom_nodes/escaping/__init__.py", "WEB_DIRECTORY = \"../../outside/web\"\n");
        dir.WriteText("custom_nodes/linking/__init__.py", "WEB_DIRECTORY = \"./web\"\n");
        Directory.CreateDirectory(dir.Combine("custom_nodes", "linking", "web"));
        File.CreateSymbolicLink(dir.Combine("custom_nodes", "linking", "web", "linked"), dir.Combine("outside", "web"));
        File.CreateSymbolicLink(dir.Combine("custom_nodes", "linking", "web", "evil.js"), dir.Combine("outside", "web", "evil.js"));

        Assert.Empty(await PackWebCode.ReadAsync(dir.Combine("custom_nodes"), CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_folder_is_an_error_naming_it()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<DirectoryNotFoundException>(() =>
            PackWebCode.ReadAsync(dir.Combine("nope"), CancellationToken.None)
        );
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
    }
}
