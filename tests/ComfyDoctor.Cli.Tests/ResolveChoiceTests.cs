using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary><c>resolve</c> with pack web code, a worker's /object_info and an ambiguous name: real process, real files.</summary>
public sealed class ResolveChoiceTests
{
    private const string Original = "https://github.com/orig/ComfyUI-Tools";
    private const string Virtual = "https://github.com/test-org/ComfyUI-Virtual";

    [Fact]
    public async Task Json_gives_pack_evidence_rule_and_runners_up_for_every_type()
    {
        using var dir = new TempDir();
        var map = Write(
            dir,
            "extension-node-map.json",
            $$$"""
            {"{{{Original}}}": [["ToolA", "ToolB", "ToolC", "Shared Node"], {"title_aux": "Tools"}],
             "https://github.com/late/ComfyUI-Repack": [["ToolA", "ToolB", "ToolC", "Shared Node", "Repack Only"], {"title_aux": "Repack"}]}
            """
        );
        var stats = Write(
            dir,
            "github-stats.json",
            $$$"""
            {"{{{Original}}}": {"stars": 900, "author_account_age_days": 3000},
             "https://github.com/late/ComfyUI-Repack": {"stars": 4, "author_account_age_days": 20}}
            """
        );
        Write(dir, "sources/test-org+ComfyUI-Virtual/__init__.py", "WEB_DIRECTORY = \"./js\"\n");
        Write(
            dir,
            "sources/test-org+ComfyUI-Virtual/js/store.js",
            "LiteGraph.registerNodeType(\"StoreNode\", class extends LGraphNode {});\n"
        );
        var objectInfo = Write(
            dir,
            "gpu-01.json",
            """
            {"worker": "gpu-01", "nodes": {"SamplerMultiDev": "ComfyUI-Split", "LoaderMultiDev": "ComfyUI-Split",
                "VAEMultiDev": "ComfyUI-Split"},
             "packs": {"ComfyUI-Split": "https://github.com/test-org/ComfyUI-Split"}}
            """
        );
        var workflow = Write(
            dir,
            "workflow_api.json",
            """
            {"1": {"class_type": "Shared Node", "inputs": {}}, "2": {"class_type": "StoreNode", "inputs": {}},
             "3": {"class_type": "UpscalerMultiDev", "inputs": {}}, "4": {"class_type": "KSampler", "inputs": {}}}
            """
        );

        var run = await CliProcess.RunAsync(
            "resolve",
            "--workflow",
            workflow,
            "--node-map",
            map,
            "--github-stats",
            stats,
            "--pack-sources",
            dir.Combine("sources"),
            "--object-info",
            objectInfo,
            "--json"
        );

        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        var nodes = JsonDocument
            .Parse(run.StdOut)
            .RootElement.GetProperty("workflows")[0]
            .GetProperty("nodes")
            .EnumerateArray()
            .ToDictionary(n => n.GetProperty("type").GetString()!);
        var shared = nodes["Shared Node"];
        Assert.Equal(Original, shared.GetProperty("pack").GetProperty("url").GetString());
        Assert.Equal("original", shared.GetProperty("rule").GetString());
        var runnerUp = Assert.Single(shared.GetProperty("runnersUp").EnumerateArray());
        Assert.Equal(
            ("https://github.com/late/ComfyUI-Repack", "exactName"),
            (runnerUp.GetProperty("url").GetString(), runnerUp.GetProperty("evidence").GetString())
        );
        Assert.Equal(
            (Virtual, "webCode"),
            (nodes["StoreNode"].GetProperty("pack").GetProperty("url").GetString(), nodes["StoreNode"].GetProperty("evidence").GetString())
        );
        var generated = nodes["UpscalerMultiDev"];
        Assert.Equal(
            ("https://github.com/test-org/ComfyUI-Split", "learnedFamily"),
            (generated.GetProperty("pack").GetProperty("url").GetString(), generated.GetProperty("evidence").GetString())
        );
        Assert.Equal("core", nodes["KSampler"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_missing_pack_sources_folder_exits_2_naming_it()
    {
        using var dir = new TempDir();
        var workflow = Write(dir, "w.json", "{\"1\": {\"class_type\": \"KSampler\", \"inputs\": {}}}");

        var run = await CliProcess.RunAsync("resolve", "--workflow", workflow, "--pack-sources", dir.Combine("absent"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("absent", run.StdErr, StringComparison.Ordinal);
    }

    private static string Write(TempDir dir, string relative, string text)
    {
        var path = dir.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
