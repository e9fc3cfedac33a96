using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using static ComfyDoctor.Cli.Tests.FleetProcessTests;
using static ComfyDoctor.Cli.Tests.WorkflowCheckTests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 15.4–15.5 through the real executable: <c>check --fix nodes</c> enables a pack ComfyUI-Manager disabled instead
/// of cloning a second copy; an <c>agent</c> process scans the roots its ComfyUI was started with plus its own
/// <c>--extra-model-paths</c>. ComfyUI cannot run here (no PyTorch stack): tests/fixtures/fake_comfyui.py stands in for
/// it, a real HTTP server on 127.0.0.1 answering <c>/system_stats</c> in ComfyUI's shape.
/// </summary>
public sealed class OnDiskProcessTests
{
    private const string PackUrl = "https://github.com/test-org/ComfyUI-TestPack";
    private static readonly byte[] Model = SafetensorsFile();

    [Fact]
    public async Task Check_fix_nodes_enables_a_disabled_pack_instead_of_cloning_it_again()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var disabled = Path.Combine(comfy, "custom_nodes", ".disabled", "ComfyUI-TestPack@1_0_0");
        Directory.CreateDirectory(disabled);
        await File.WriteAllTextAsync(Path.Combine(disabled, "__init__.py"), "NODE_CLASS_MAPPINGS = {\"TestNode\": object}\n");
        await GitAsync(disabled, "init", "--quiet");
        await GitAsync(disabled, "add", "-A");
        await GitAsync(disabled, "commit", "--quiet", "-m", "first");
        await GitAsync(disabled, "remote", "add", "origin", PackUrl);
        var commit = (await GitAsync(disabled, "rev-parse", "HEAD")).Trim();
        var nodeMap = dir.Combine("extension-node-map.json");
        await File.WriteAllTextAsync(nodeMap, $"{{\"{PackUrl}\": [[\"TestNode\"], {{\"title_aux\": \"Test pack\"}}]}}");
        var workflow = dir.Combine("workflow_api.json");
        await File.WriteAllTextAsync(workflow, "{\"1\": {\"class_type\": \"TestNode\", \"inputs\": {}}}");
        string[] check =
        [
            "check",
            "--comfyui",
            comfy,
            "--workflow",
            workflow,
            "--node-map",
            nodeMap,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--disk-yellow-gib",
            "0",
            "--disk-red-gib",
            "0",
            "--fix",
            "nodes",
        ];

        var dry = JsonDocument.Parse((await InProcessCli.RunAsync([.. check, "--dry-run"])).StdOut).RootElement;
        Assert.Equal("pending", dry.GetProperty("nodeEnables")[0].GetProperty("outcome").GetString());
        Assert.True(Directory.Exists(disabled));

        var run = await InProcessCli.RunAsync(check);
        var result = JsonDocument.Parse(run.StdOut).RootElement;
        var enable = Assert.Single(result.GetProperty("nodeEnables").EnumerateArray());
        Assert.True(enable.GetProperty("outcome").GetString() == "done", run.StdOut);
        Assert.Equal("enable-node-pack", enable.GetProperty("kind").GetString());
        Assert.Empty(result.GetProperty("nodeFixes").EnumerateArray()); // nothing cloned
        Assert.Equal(commit, (await GitAsync(Path.Combine(comfy, "custom_nodes", "ComfyUI-TestPack"), "rev-parse", "HEAD")).Trim());
        Assert.False(Directory.Exists(disabled));
        Assert.DoesNotContain(result.GetProperty("report").GetProperty("findings").EnumerateArray(), f =>
            f.GetProperty("code").GetString() is "node.disabled" or "node.missing"
        );
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task An_agent_scans_the_roots_its_comfyui_was_started_with_and_its_own_extra_model_paths()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(Path.Combine(comfy, "custom_nodes"));
        Write(dir.Combine("shared", "loras", "from-comfyui-argv.safetensors"), Model);
        await File.WriteAllTextAsync(Path.Combine(comfy, "shared.yaml"), "store:\n  base_path: ../shared\n  loras: loras\n");
        Write(dir.Combine("agent-store", "vae", "from-agent-option.safetensors"), Model);
        var agentYaml = dir.Combine("agent.yaml");
        await File.WriteAllTextAsync(agentYaml, $"agent:\n  base_path: {dir.Combine("agent-store")}\n  vae: vae\n");
        using var fake = await StartFakeComfyUiAsync(comfy, dir.Path, ["main.py", "--extra-model-paths-config", "shared.yaml"]);
        var port = FreePort();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "ondisk-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "ondisk-enroll-token-123456",
        };
        using var server = Start(env, "server", "--urls", $"http://127.0.0.1:{port}", "--data", dir.Combine("server"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
        await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers")) is not null);
        using var agent = Start(
            env,
            "agent",
            "--server",
            $"http://127.0.0.1:{port}",
            "--name",
            "shared-store",
            "--comfyui",
            comfy,
            "--data",
            dir.Combine("agent"),
            "--comfy-url",
            fake.Url,
            "--extra-model-paths",
            agentYaml
        );
        try
        {
            await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 1);
            (await http.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "shared-store" } })).EnsureSuccessStatusCode();
            JsonElement? report = null;
            await WaitUntilAsync(async () =>
                (report = await TryGetAsync(http, "admin/integrity-report/shared-store"))?.GetProperty("status").GetString() == "done"
            );

            var models = report!
                .Value.GetProperty("inventory")
                .GetProperty("models")
                .EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("path").GetString());
            Assert.Equal(dir.Combine("shared", "loras", "from-comfyui-argv.safetensors"), models["loras/from-comfyui-argv.safetensors"]);
            Assert.Equal(dir.Combine("agent-store", "vae", "from-agent-option.safetensors"), models["vae/from-agent-option.safetensors"]);
            Assert.Equal(2, models.Count);
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
            await agent.WaitForExitAsync();
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task An_agent_with_a_broken_extra_model_paths_file_stops_with_its_line()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("ComfyUI"));
        var yaml = dir.Combine("broken.yaml");
        await File.WriteAllTextAsync(yaml, "store:\n  base_path: [unclosed\n");

        var run = await CliProcess.RunAsync(
            "agent",
            "--server",
            "http://127.0.0.1:9",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--data",
            dir.Combine("agent"),
            "--extra-model-paths",
            yaml
        );
        var missing = await CliProcess.RunAsync(
            "agent",
            "--server",
            "http://127.0.0.1:9",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--data",
            dir.Combine("agent"),
            "--extra-model-paths",
            dir.Combine("absent.yaml")
        );

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--extra-model-paths {yaml}", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("absent.yaml", missing.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("agent", "agent-credential"))); // stopped before it ever connected
    }

    private sealed class FakeComfyUi(Process process, string url) : IDisposable
    {
        public string Url { get; } = url;

        public void Dispose()
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }

    /// <summary>tests/fixtures/fake_comfyui.py in the ComfyUI folder (as "python main.py" runs), with <paramref name="argv"/>
    /// as its command line.</summary>
    private static async Task<FakeComfyUi> StartFakeComfyUiAsync(
        string comfy,
        string work,
        string[] argv,
        [CallerFilePath] string source = ""
    )
    {
        var core = Path.Combine(work, "core-nodes.txt");
        await File.WriteAllTextAsync(core, "KSampler\n");
        var portFile = Path.Combine(work, "comfy-port");
        var start = new ProcessStartInfo("python3")
        {
            WorkingDirectory = comfy,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (
            var arg in new[]
            {
                Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "fixtures", "fake_comfyui.py")),
                comfy,
                core,
                portFile,
            }.Concat(argv)
        )
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        for (var i = 0; i < 200 && !File.Exists(portFile); i++)
        {
            await Task.Delay(50);
        }

        return new FakeComfyUi(process, $"http://127.0.0.1:{await File.ReadAllTextAsync(portFile)}/");
    }

    private static void Write(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>A valid safetensors file: one F16 tensor of 2×2.</summary>
    private static byte[] SafetensorsFile()
    {
        var header = "{\"weight\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}"u8.ToArray();
        return [.. BitConverter.GetBytes((long)header.Length), .. header, .. new byte[8]];
    }
}
