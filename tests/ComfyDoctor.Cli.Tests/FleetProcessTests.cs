using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>The control plane as real processes: <c>up --demo</c>, and a <c>server</c> with an <c>agent</c> beside it.</summary>
public sealed class FleetProcessTests
{
    [Fact]
    public async Task Up_demo_scans_three_different_workers()
    {
        using var dir = new TempDir();

        var result = await InProcessCli.RunAsync("up", "--demo", "--once", "--data", dir.Path, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, result.ExitCode); // the demo fleet has red workers
        foreach (var worker in new[] { "gpu-01", "gpu-02", "gpu-03" })
        {
            Assert.Contains(worker, result.StdOut, StringComparison.Ordinal);
        }

        // gpu-02's scratch store lies on /dev/shm, a real tmpfs: the disk light follows that volume's real free space.
        var shm = new DriveInfo("/dev/shm");
        if (shm.AvailableFreeSpace < (50L << 30) || shm.AvailableFreeSpace < shm.TotalSize / 10)
        {
            Assert.Contains("gpu-02: disk.low on /dev/shm: ", result.StdOut, StringComparison.Ordinal);
            var row = result
                .StdOut.Split('\n')
                .Single(l => l.Contains(" gpu-02 ", StringComparison.Ordinal))
                .Split('│', StringSplitOptions.TrimEntries);
            Assert.Contains(row[5], new[] { "▲ YELLOW", "✖ RED" }); // │ Worker │ Tags │ Models │ Nodes │ Disk │
        }
        else
        {
            Assert.DoesNotContain("gpu-02: disk.low", result.StdOut, StringComparison.Ordinal); // a big /dev/shm is honestly green
        }

        Assert.DoesNotContain(Directory.GetDirectories("/dev/shm", "comfydoctor-demo-*"), d =>
            File.ReadAllText(Path.Combine(d, "owner")).StartsWith(dir.Path, StringComparison.Ordinal)
        );
        Assert.Contains(
            "generated admin-token: " + Path.Combine(dir.Path, "server", "admin-token"),
            result.StdOut,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain(
            await File.ReadAllTextAsync(Path.Combine(dir.Path, "server", "admin-token")),
            result.StdOut,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task A_server_process_and_an_agent_process_produce_a_report()
    {
        using var dir = new TempDir();
        var port = FreePort();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "process-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "process-enroll-token-123456",
        };
        using var server = Start(env, "server", "--urls", $"http://127.0.0.1:{port}", "--data", dir.Combine("server"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
        await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers")) is not null);

        // A demo installation to serve, made by the same program.
        await InProcessCli.RunAsync("check", "--demo", dir.Combine("demo"), "--json", "--cache", dir.Combine("c.json"));
        using var agent = Start(
            env,
            "agent",
            "--server",
            $"http://127.0.0.1:{port}",
            "--name",
            "worker-7",
            "--comfyui",
            dir.Combine("demo", "ComfyUI"),
            "--data",
            dir.Combine("agent"),
            "--tags",
            "a100,eu"
        );
        try
        {
            await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 1);
            (await http.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "worker-7" } })).EnsureSuccessStatusCode();
            JsonElement? report = null;
            await WaitUntilAsync(async () =>
                (report = await TryGetAsync(http, "admin/integrity-report/worker-7"))?.GetProperty("status").GetString() == "done"
            );

            Assert.Contains(report!.Value.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("code").GetString() == "model.unsafe"
            );
            Assert.True(File.Exists(dir.Combine("agent", "agent-credential")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.Combine("agent", "agent-credential")));

            // The admin commands against the same server.
            string[] target = ["--server", $"http://127.0.0.1:{port}", "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];
            var cliReport = await InProcessCli.RunAsync(["report", "worker-7", "--json", .. target]);
            Assert.Equal(1, cliReport.ExitCode); // red, as check would say
            Assert.Equal("done", JsonDocument.Parse(cliReport.StdOut).RootElement.GetProperty("status").GetString());
            var readable = await InProcessCli.RunAsync(["report", "worker-7", .. target]);
            Assert.Equal(1, readable.ExitCode);
            Assert.Contains("model.unsafe", readable.StdOut, StringComparison.Ordinal);
            Assert.Contains("RED", readable.StdOut, StringComparison.Ordinal);
            Assert.Contains("Runtime: ComfyUI 0.3.66 (commit not a git checkout)", readable.StdOut, StringComparison.Ordinal); // issue 19.1
            var workers = JsonDocument.Parse((await InProcessCli.RunAsync(["workers", "--json", .. target])).StdOut).RootElement;
            Assert.Equal(["a100", "eu"], workers[0].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            var build = workers[0].GetProperty("agent"); // the agent process's build, from its hello (a test build: commit "dev")
            Assert.Equal(Core.Protocol.BuildInfo.Current.Version, build.GetProperty("version").GetString());
            Assert.Equal("dev", build.GetProperty("commit").GetString());
            Assert.Equal("linux", build.GetProperty("os").GetString());
            var table = await InProcessCli.RunAsync(["workers", .. target]);
            Assert.Contains("worker-7", table.StdOut, StringComparison.Ordinal);
            Assert.Contains("a100, eu", table.StdOut, StringComparison.Ordinal);
            Assert.Contains("Agent", table.StdOut, StringComparison.Ordinal);
            var verify = await InProcessCli.RunAsync(["audit", "verify", "--json", .. target]);
            Assert.True(JsonDocument.Parse(verify.StdOut).RootElement.GetProperty("intact").GetBoolean());
            Assert.Contains(
                "audit trail intact",
                (await InProcessCli.RunAsync(["audit", "verify", .. target])).StdOut,
                StringComparison.Ordinal
            );
            var compare = await InProcessCli.RunAsync(["compare", "--all", .. target]);
            Assert.Equal(0, compare.ExitCode);
            Assert.Contains("embeddings/free-prompts.pt", compare.StdOut, StringComparison.Ordinal);
            Assert.Contains("comfyui commit", compare.StdOut, StringComparison.Ordinal);
            var unknown = await InProcessCli.RunAsync(["scan", "--workers", "nobody", .. target]);
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("unknown workers: nobody", unknown.StdErr, StringComparison.Ordinal);
            var adopt = await InProcessCli.RunAsync(["registry", "adopt", "worker-7", .. target]);
            Assert.Equal(0, adopt.ExitCode);
            var workflow = dir.Combine("wf.json");
            await File.WriteAllTextAsync(workflow, "{\"1\": {\"class_type\": \"KSampler\", \"inputs\": {}}}");
            Assert.Equal(0, (await InProcessCli.RunAsync(["workflows", "add", workflow, "--name", "basic", .. target])).ExitCode);
            Assert.Contains("basic", (await InProcessCli.RunAsync(["workflows", "list", .. target])).StdOut, StringComparison.Ordinal);
            var portrait = dir.Combine("portrait.json");
            await File.WriteAllTextAsync(
                portrait,
                "{\"1\": {\"class_type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"sd15/dreamshaper_8.safetensors\"}}}"
            );
            Assert.Equal(0, (await InProcessCli.RunAsync(["workflows", "add", portrait, "--name", "portrait", .. target])).ExitCode);
            var graph = JsonDocument.Parse((await InProcessCli.RunAsync(["graph", "--json", .. target])).StdOut).RootElement;
            Assert.Contains(graph.GetProperty("edges").EnumerateArray(), e =>
                e.GetProperty("from").GetString() == "workflow:portrait"
                && e.GetProperty("to").GetString() == "model:checkpoints/sd15/dreamshaper_8.safetensors"
            );
            var graphTable = await InProcessCli.RunAsync(["graph", .. target]);
            Assert.Equal(0, graphTable.ExitCode);
            Assert.Contains("checkpoints/sd15/dreamshaper_8.safetensors", graphTable.StdOut, StringComparison.Ordinal);
            var orphans = JsonDocument.Parse((await InProcessCli.RunAsync(["orphans", "--json", .. target])).StdOut).RootElement;
            var orphaned = orphans.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("identity").GetString()).ToList();
            Assert.Contains("upscale_models/4x-UltraSharp.pth", orphaned);
            Assert.DoesNotContain("checkpoints/sd15/dreamshaper_8.safetensors", orphaned); // the portrait workflow uses it
            Assert.True(orphans.GetProperty("totalBytes").GetInt64() > 0);
            Assert.Contains("orphaned models", (await InProcessCli.RunAsync(["orphans", .. target])).StdOut, StringComparison.Ordinal);
            Assert.Equal(0, (await InProcessCli.RunAsync(["schedule", "0 3 * * *", "--deep", .. target])).ExitCode);
            Assert.Contains(
                "\"0 3 * * *\" (UTC), deep",
                (await InProcessCli.RunAsync(["schedule", .. target])).StdOut,
                StringComparison.Ordinal
            );
            var trail = await InProcessCli.RunAsync(["audit", .. target]);
            Assert.Contains("registry.adopt", trail.StdOut, StringComparison.Ordinal);
            Assert.Contains("schedule.set", trail.StdOut, StringComparison.Ordinal);
            Assert.Contains(
                "upscale_models/4x-UltraSharp.pth",
                (await InProcessCli.RunAsync(["registry", "list", .. target])).StdOut,
                StringComparison.Ordinal
            );
            var badCron = await InProcessCli.RunAsync(["schedule", "sometimes", .. target]);
            Assert.Equal(2, badCron.ExitCode);
            Assert.Contains("cron 'sometimes'", badCron.StdErr, StringComparison.Ordinal);
            var wrongToken = await CliProcess.RunAsync(
                null,
                ["workers", "--server", $"http://127.0.0.1:{port}", "--token", "wrong-token-wrong-token"]
            );
            Assert.Equal(2, wrongToken.ExitCode);
            Assert.Contains("401", wrongToken.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
        }
    }

    internal static Process Start(Dictionary<string, string> env, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    internal static async Task<JsonElement?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"condition not met within {seconds} s");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
