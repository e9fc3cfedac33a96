using System.Diagnostics;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>check --workflow and --fix nodes end to end: a real git repository behind a mirror rewrite, a real catalog file.</summary>
public sealed class WorkflowCheckTests
{
    private const string PackUrl = "https://github.com/test-org/ComfyUI-TestPack";

    [Fact]
    public async Task Missing_pack_and_model_are_found_then_the_pack_is_installed()
    {
        using var dir = new TempDir();
        var setup = await SetUpAsync(dir);
        string[] check =
        [
            "check",
            "--comfyui",
            setup.Comfy,
            "--workflow",
            setup.Workflow,
            "--node-map",
            setup.NodeMap,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--disk-yellow-gib",
            "0",
            "--disk-red-gib",
            "0",
        ];

        var before = await InProcessCli.RunAsync(check);
        Assert.Equal(1, before.ExitCode);
        var findings = Findings(JsonDocument.Parse(before.StdOut).RootElement);
        Assert.Contains(("node.missing", PackUrl), findings);
        Assert.Contains(("model.missing", "checkpoints/sd15/absent.safetensors"), findings);

        var dryRun = await InProcessCli.RunAsync([
            .. check,
            "--fix",
            "nodes",
            "--dry-run",
            "--git-mirror",
            $"https://github.com/test-org/=file://{setup.MirrorRoot}/",
        ]);
        var planned = JsonDocument.Parse(dryRun.StdOut).RootElement;
        Assert.Equal("planned", planned.GetProperty("nodeFixes")[0].GetProperty("outcome").GetString());
        Assert.False(Directory.Exists(Path.Combine(setup.Comfy, "custom_nodes", "ComfyUI-TestPack")));

        var fixedRun = await InProcessCli.RunAsync([
            .. check,
            "--fix",
            "nodes",
            "--git-mirror",
            $"https://github.com/test-org/=file://{setup.MirrorRoot}/",
        ]);
        var result = JsonDocument.Parse(fixedRun.StdOut).RootElement;
        var fix = result.GetProperty("nodeFixes")[0];
        Assert.True(fix.GetProperty("outcome").GetString() == "installed", fixedRun.StdOut);
        Assert.Equal(setup.Commit, fix.GetProperty("commit").GetString());
        Assert.True(File.Exists(Path.Combine(setup.Comfy, "custom_nodes", "ComfyUI-TestPack", "__init__.py")));
        var after = Findings(result.GetProperty("report"));
        Assert.DoesNotContain(after, f => f.Code == "node.missing");
        Assert.Contains(("model.missing", "checkpoints/sd15/absent.safetensors"), after); // models are not check's to fix
    }

    [Fact]
    public async Task A_workflow_cannot_pull_in_an_unlisted_repository()
    {
        using var dir = new TempDir();
        var setup = await SetUpAsync(dir);
        // A UI workflow whose node names its own repository (aux_id) that no catalog or pin lists.
        var workflow = dir.Combine("rogue.json");
        await File.WriteAllTextAsync(
            workflow,
            "{\"nodes\": [{\"id\": 1, \"type\": \"RogueNode\", \"properties\": {\"aux_id\": \"stranger/rogue-pack\"}}]}"
        );

        var run = await InProcessCli.RunAsync(
            "check",
            "--comfyui",
            setup.Comfy,
            "--workflow",
            workflow,
            "--node-map",
            setup.NodeMap,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--fix",
            "nodes",
            "--allow-url-prefix",
            "https://github.com/trusted/"
        );

        var fix = JsonDocument.Parse(run.StdOut).RootElement.GetProperty("nodeFixes")[0];
        Assert.Equal("skippedByPolicy", fix.GetProperty("outcome").GetString());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(setup.Comfy, "custom_nodes")));
    }

    [Fact]
    public async Task An_unreleased_pin_installs_the_nearest_older_release_with_per_node_results_unless_pins_are_strict()
    {
        using var dir = new TempDir();
        var setup = await SetUpAsync(dir);
        var work = Path.Combine(dir.Combine("work"), "ComfyUI-TestPack");
        await GitAsync(work, "tag", "v1.0.0");
        await GitAsync(work, "push", "--quiet", "--tags", Path.Combine(setup.MirrorRoot, "ComfyUI-TestPack"));
        // Nodes saved at different times: a commit that is gone, and 1.0.5 (never released; v1.0.0 is the nearest older).
        var workflow = dir.Combine("pinned.json");
        await File.WriteAllTextAsync(
            workflow,
            """
            {"nodes": [
              {"id": 1, "type": "TestNode", "properties": {"aux_id": "test-org/ComfyUI-TestPack", "ver": "1.0.5"}},
              {"id": 2, "type": "MadeAtRunTime", "properties": {"aux_id": "test-org/ComfyUI-TestPack", "ver": "1.0.5"}},
              {"id": 3, "type": "Third",
               "properties": {"aux_id": "test-org/ComfyUI-TestPack", "ver": "0123456789abcdef0123456789abcdef01234567"}}]}
            """
        );
        string[] fix =
        [
            "check",
            "--comfyui",
            setup.Comfy,
            "--workflow",
            workflow,
            "--node-map",
            setup.NodeMap,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--fix",
            "nodes",
            "--git-mirror",
            $"https://github.com/test-org/=file://{setup.MirrorRoot}/",
        ];

        var strict = JsonDocument.Parse((await InProcessCli.RunAsync([.. fix, "--strict-pins"])).StdOut).RootElement;
        Assert.Equal("failed", strict.GetProperty("nodeFixes")[0].GetProperty("outcome").GetString());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(setup.Comfy, "custom_nodes")));

        var run = await InProcessCli.RunAsync(fix);
        var result = JsonDocument.Parse(run.StdOut).RootElement;
        var pack = result.GetProperty("nodeFixes")[0];
        Assert.True(pack.GetProperty("outcome").GetString() == "installed", run.StdOut);
        Assert.Equal(setup.Commit, pack.GetProperty("commit").GetString());
        Assert.Contains(
            "node.version-mismatch: 1.0.5 was never tagged or released; installed v1.0.0",
            pack.GetProperty("versionNote").GetString(),
            StringComparison.Ordinal
        );
        var types = pack.GetProperty("nodeTypes")
            .EnumerateArray()
            .ToDictionary(t => t.GetProperty("nodeType").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["TestNode"] = "confirmed",
                ["MadeAtRunTime"] = "unconfirmed",
                ["Third"] = "unconfirmed",
            },
            types
        );
        Assert.Contains(
            "packs that have a requirements.txt or an install.py will be refused",
            result.GetProperty("nodePlanNotes")[0].GetString(),
            StringComparison.Ordinal
        );
        Assert.Contains(Findings(result.GetProperty("report")), f => f.Code == "node.version-mismatch"); // yellow, naming both
    }

    [Fact]
    public async Task Resolve_prints_the_pack_for_each_type()
    {
        using var dir = new TempDir();
        var setup = await SetUpAsync(dir);

        var run = await InProcessCli.RunAsync("resolve", "--workflow", setup.Workflow, "--node-map", setup.NodeMap, "--json");

        Assert.Equal(0, run.ExitCode);
        var workflow = JsonDocument.Parse(run.StdOut).RootElement.GetProperty("workflows")[0];
        var node = workflow.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("type").GetString() == "TestNode");
        Assert.Equal("resolved", node.GetProperty("status").GetString());
        Assert.Equal(PackUrl, node.GetProperty("pack").GetProperty("url").GetString());
        Assert.Equal("exactName", node.GetProperty("evidence").GetString());
        Assert.Contains(workflow.GetProperty("models").EnumerateArray(), m =>
            m.GetProperty("identity").GetString() == "checkpoints/sd15/absent.safetensors"
        );
    }

    [Fact]
    public async Task Malformed_workflow_exits_2_naming_the_file()
    {
        using var dir = new TempDir();
        var workflow = dir.Combine("broken.json");
        await File.WriteAllTextAsync(workflow, "{\"1\": {\"class_type\": \"KSampler\", \"inputs\": {");

        var run = await CliProcess.RunAsync("resolve", "--workflow", workflow);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("broken.json", run.StdErr, StringComparison.Ordinal);
    }

    private sealed record Setup(string Comfy, string Workflow, string NodeMap, string MirrorRoot, string Commit);

    private static async Task<Setup> SetUpAsync(TempDir dir)
    {
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(Path.Combine(comfy, "custom_nodes"));
        Directory.CreateDirectory(Path.Combine(comfy, "models", "checkpoints"));

        // The pack's repository, served from a local "mirror" folder as https://github.com/test-org/ComfyUI-TestPack would be.
        var work = dir.Combine("work", "ComfyUI-TestPack");
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(Path.Combine(work, "__init__.py"), "NODE_CLASS_MAPPINGS = {\"TestNode\": object}\n");
        await GitAsync(work, "init", "--quiet");
        await GitAsync(work, "add", "-A");
        await GitAsync(work, "commit", "--quiet", "-m", "first");
        var commit = (await GitAsync(work, "rev-parse", "HEAD")).Trim();
        var mirror = dir.Combine("mirror");
        Directory.CreateDirectory(mirror);
        await GitAsync(mirror, "clone", "--quiet", "--bare", work, Path.Combine(mirror, "ComfyUI-TestPack"));

        var nodeMap = dir.Combine("extension-node-map.json");
        await File.WriteAllTextAsync(nodeMap, $"{{\"{PackUrl}\": [[\"TestNode\"], {{\"title_aux\": \"Test pack\"}}]}}");
        var workflow = dir.Combine("workflow_api.json");
        await File.WriteAllTextAsync(
            workflow,
            """
            {"1": {"class_type": "TestNode", "inputs": {}},
             "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15\\absent.safetensors"}}}
            """
        );
        return new Setup(comfy, workflow, nodeMap, mirror, commit);
    }

    private static List<(string? Code, string? Subject)> Findings(JsonElement report) =>
        report
            .GetProperty("findings")
            .EnumerateArray()
            .Select(f => (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString()))
            .ToList();

    internal static async Task<string> GitAsync(string cwd, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in (string[])["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", .. args])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output;
    }
}
