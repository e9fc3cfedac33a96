using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using static ComfyDoctor.Cli.Tests.FleetProcessTests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Repair as real processes: a server with a model mirror, two agents (one serving blobs with --listen), and the
/// <c>repair</c> and <c>sync-models</c> commands — the plan first, then a sync from the reference worker, followed live.
/// </summary>
public sealed class RepairProcessTests
{
    private static readonly string[] Broken =
    [
        "loras/detail-tweaker.safetensors",
        "text_encoders/t5xxl_fp8_e4m3fn.safetensors",
        "vae/sdxl_vae.safetensors",
    ];

    [Fact]
    public async Task Sync_models_from_a_reference_worker_is_planned_then_done_and_followed_live()
    {
        using var dir = new TempDir();
        var port = FreePort();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "repair-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "repair-enroll-token-123456",
        };
        var server = $"http://127.0.0.1:{port}";
        string[] target = ["--server", server, "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];
        // Two demo installations made by the program: w1 broken, w2 repaired from its mirror (the reference).
        await InProcessCli.RunAsync("check", "--demo", dir.Combine("d1"), "--json", "--cache", dir.Combine("c1.json"));
        await InProcessCli.RunAsync(
            "check",
            "--demo",
            dir.Combine("d2"),
            "--json",
            "--cache",
            dir.Combine("c2.json"),
            "--fix",
            "models",
            "--model-mirror",
            dir.Combine("d2", "mirror")
        );
        using var serverProcess = Start(
            env,
            "server",
            "--urls",
            server,
            "--data",
            dir.Combine("server"),
            "--model-mirror",
            "nas=" + dir.Combine("nowhere")
        );
        using var http = new HttpClient { BaseAddress = new Uri(server + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
        await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers")) is not null);
        using var one = Start(
            env,
            "agent",
            "--server",
            server,
            "--name",
            "w1",
            "--comfyui",
            dir.Combine("d1", "ComfyUI"),
            "--data",
            dir.Combine("a1")
        );
        using var two = Start(
            env,
            "agent",
            "--server",
            server,
            "--name",
            "w2",
            "--comfyui",
            dir.Combine("d2", "ComfyUI"),
            "--data",
            dir.Combine("a2"),
            "--listen",
            $"127.0.0.1:{FreePort()}"
        );
        try
        {
            Assert.Equal(0, (await InProcessCli.RunAsync(["registry", "import", dir.Combine("d1", "registry.yaml"), .. target])).ExitCode);
            await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 2);
            Assert.Equal(0, (await InProcessCli.RunAsync(["scan", .. target])).ExitCode);
            await WaitUntilAsync(async () =>
                (await TryGetAsync(http, "admin/workers"))!
                    .Value.EnumerateArray()
                    .All(w => w.GetProperty("lastScanStatus").GetString() == "done")
            );

            var plan = await InProcessCli.RunAsync(["repair", "w1", "--sync-models", "--dry-run", .. target]);
            Assert.Equal(0, plan.ExitCode);
            Assert.Contains("Repair plan (nothing changed)", plan.StdOut, StringComparison.Ordinal);
            Assert.Contains("mirror nas", plan.StdOut, StringComparison.Ordinal);
            Assert.Contains("peer w2", plan.StdOut, StringComparison.Ordinal);
            Assert.Contains("quarantine", plan.StdOut, StringComparison.Ordinal); // the unsafe pickle: not fixable by a repair
            var planId = System.Text.RegularExpressions.Regex.Match(plan.StdOut, "repair --plan ([0-9a-f]{32})").Groups[1].Value;
            Assert.NotEmpty(planId); // the plan is stored: it can be shown again and run as it is
            var shown = await InProcessCli.RunAsync(["repair", "--plan", planId, "--dry-run", .. target]);
            Assert.True(shown.ExitCode == 0, shown.StdErr);
            Assert.Contains("peer w2", shown.StdOut, StringComparison.Ordinal);

            var sync = await InProcessCli.RunAsync(["sync-models", "w1", "--from", "w2", .. target]);
            Assert.Equal(1, sync.ExitCode); // the models are fixed; the unsafe pickle is an error left
            foreach (var model in Broken)
            {
                // followed live, a line per change
                Assert.Contains($"w1: sync-model {model}: done (worker w2)", sync.StdOut, StringComparison.Ordinal);
            }

            Assert.Contains("fixed: 3", sync.StdOut, StringComparison.Ordinal);

            // The plan shown before the sync, run now: every file it would replace has changed since (it was fixed), so each
            // action is left alone as "changed since planned"; the plan runs once.
            var stale = await InProcessCli.RunAsync(["repair", "--plan", planId, .. target]);
            Assert.Equal(1, stale.ExitCode);
            foreach (var model in Broken)
            {
                Assert.Contains($"w1: sync-model {model}: changed", stale.StdOut, StringComparison.Ordinal);
            }

            Assert.Contains("changed since planned, left alone:", stale.StdOut, StringComparison.Ordinal);
            var twice = await InProcessCli.RunAsync(["repair", "--plan", planId, .. target]);
            Assert.Equal(2, twice.ExitCode);
            Assert.Contains("already confirmed", twice.StdErr, StringComparison.Ordinal);
            var list = await InProcessCli.RunAsync(["registry", "list", "--json", .. target]);
            Assert.True(list.ExitCode == 0, list.StdErr);
            var registry = JsonDocument
                .Parse(list.StdOut)
                .RootElement.EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("sha256").GetString());
            foreach (var model in Broken)
            {
                var file = Path.Combine(dir.Combine("d1", "ComfyUI", "models"), model);
                Assert.Equal(registry[model], Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))));
            }

            var again = await InProcessCli.RunAsync(["repair", "w1", "--sync-models", "--json", .. target]);
            var job = JsonDocument.Parse(again.StdOut).RootElement[0];
            // nothing left to fetch
            Assert.Equal(0, job.GetProperty("result").GetProperty("outcome").GetProperty("actions").GetArrayLength());
            // On a terminal the repair is followed with progress bars (util-linux `script` gives it a pseudo-terminal).
            var dll = Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll");
            var onTerminal = await CliProcess.RunWithAsync(
                "script",
                new Dictionary<string, string> { ["TERM"] = "xterm-256color" },
                "-qec",
                $"dotnet '{dll}' quarantine w1 embeddings/free-prompts.pt --server {server} --token {env["COMFYDOCTOR_ADMIN_TOKEN"]}",
                "/dev/null"
            );
            Assert.Contains("\u001b[", onTerminal.StdOut, StringComparison.Ordinal);
            Assert.Contains("w1: embeddings/free-prompts.pt", onTerminal.StdOut, StringComparison.Ordinal);
            Assert.Contains("quarantine-model", onTerminal.StdOut, StringComparison.Ordinal); // the results table after the bars
            Assert.False(File.Exists(dir.Combine("d1", "ComfyUI", "models", "embeddings", "free-prompts.pt")));

            var both = await InProcessCli.RunAsync(["repair", "--all", "w1", .. target]);
            Assert.Equal(2, both.ExitCode);
            Assert.Contains("name one WORKER, --all or --plan ID", both.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            one.Kill(entireProcessTree: true);
            two.Kill(entireProcessTree: true);
            serverProcess.Kill(entireProcessTree: true);
        }
    }
}
