using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using static ComfyDoctor.Cli.Tests.FleetProcessTests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 9, case 2: the server process is killed with SIGKILL mid-scan and mid-repair, then started again on the same data
/// folder and address. Every job is finished or failed (never lost), a repair is not run twice, and the audit chain has
/// no gap: every accepted request has its record and the chain verifies against its anchor.
/// </summary>
public sealed class ServerKillTests
{
    private const string Token = "kill-admin-token-123456";

    [Fact]
    public async Task A_server_killed_mid_scan_and_mid_repair_loses_no_job_and_no_audit_record()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = Token,
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "kill-enroll-token-123456",
        };
        var url = $"http://127.0.0.1:{FreePort()}";
        await InProcessCli.RunAsync("check", "--demo", dir.Combine("demo"), "--json", "--cache", dir.Combine("c.json"));
        string[] serverArgs =
        [
            "server",
            "--urls",
            url,
            "--data",
            dir.Combine("server"),
            "--model-mirror",
            "demo=" + dir.Combine("demo", "mirror"),
        ];
        var server = Start(env, serverArgs);
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers")) is not null);
        using var agent = Start(
            env,
            "agent",
            "--server",
            url,
            "--name",
            "w1",
            "--comfyui",
            dir.Combine("demo", "ComfyUI"),
            "--data",
            dir.Combine("agent"),
            "--bandwidth",
            "0.5"
        ); // a repair's transfers take seconds, so the kill lands mid-repair
        var killedAt = new List<string>();
        try
        {
            (
                await http.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(dir.Combine("demo", "registry.yaml"))))
            ).EnsureSuccessStatusCode();
            await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 1);

            // Scans: killed as soon as the request is accepted, and once the agent has claimed the job.
            foreach (var waitForClaim in new[] { false, true, true })
            {
                var started = await AcceptedAsync(await http.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "w1" } }));
                var jobId = started[0].GetProperty("jobId").GetString()!;
                server = await KillAndRestartAsync(server, env, serverArgs, http, jobId, waitForClaim, killedAt);
                var job = await FinishedAsync(http, jobId);
                Assert.Equal("done", job.GetProperty("status").GetString());
                Assert.Equal(
                    "done",
                    (await TryGetAsync(http, $"admin/scans/{started[0].GetProperty("scanId").GetString()}"))!
                        .Value.GetProperty("status")
                        .GetString()
                );
            }

            // A repair (the demo's broken models from its mirror), killed once the agent has claimed it.
            var repair = await AcceptedAsync(
                await http.PostAsJsonAsync("admin/repair/w1", new { actions = new[] { "verify-and-repair" } })
            );
            var repairJob = repair.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
            server = await KillAndRestartAsync(server, env, serverArgs, http, repairJob, waitForClaim: true, killedAt);
            var repaired = await FinishedAsync(http, repairJob);
            Assert.Equal("done", repaired.GetProperty("status").GetString());
            // Run once: the delivered result is the run that repaired the broken models (a second run would have found them
            // fixed and copied nothing). Attempts is 2 when the kill swallowed the answer to the first claim, so the idle agent
            // was handed the job again without having run it.
            var copied = repaired
                .GetProperty("result")
                .GetProperty("outcome")
                .GetProperty("actions")
                .EnumerateArray()
                .Where(a => a.GetProperty("outcome").GetString() == "done" && a.GetProperty("after").ValueKind == JsonValueKind.String)
                .Select(a => a.GetProperty("subject").GetString())
                .ToList();
            Assert.Contains("loras/detail-tweaker.safetensors", copied);
            Assert.InRange(repaired.GetProperty("attempts").GetInt32(), 1, 2);
            var registry = (await TryGetAsync(http, "admin/models"))!
                .Value.EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("sha256").GetString());
            foreach (var model in new[] { "loras/detail-tweaker.safetensors", "vae/sdxl_vae.safetensors" })
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(dir.Combine("demo", "ComfyUI", "models"), model));
                Assert.Equal(registry[model], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
            }

            var audit = (await TryGetAsync(http, "admin/audit?size=500"))!
                .Value.EnumerateArray()
                .Select(a => a.GetProperty("action").GetString())
                .ToList();
            Assert.Equal(3, audit.Count(a => a == "scan.request"));
            Assert.Equal(1, audit.Count(a => a == "repair.request"));
            Assert.Equal(1, audit.Count(a => a == "repair.finish"));
            var verify = await InProcessCli.RunAsync("audit", "verify", "--server", url, "--token", Token);
            Assert.Equal(0, verify.ExitCode);
            Assert.Contains("audit trail intact", verify.StdOut, StringComparison.Ordinal);
            Console.WriteLine(
                $"RELIABILITY server-sigkill: kills={killedAt.Count} job-states-at-kill={string.Join(",", killedAt)} jobs-lost=0 "
                    + $"repairs-run-twice=0 repair-attempts={repaired.GetProperty("attempts").GetInt32()} audit-records={audit.Count} "
                    + "audit=intact"
            );
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
            server.Dispose();
        }
    }

    private static async Task<JsonElement> AcceptedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>SIGKILLs the server (after the agent claimed <paramref name="jobId"/> when asked), then starts it again.</summary>
    private static async Task<Process> KillAndRestartAsync(
        Process server,
        Dictionary<string, string> env,
        string[] args,
        HttpClient http,
        string jobId,
        bool waitForClaim,
        List<string> killedAt
    )
    {
        if (waitForClaim)
        {
            await WaitUntilAsync(async () =>
                (await TryGetAsync(http, $"admin/jobs/{jobId}"))?.GetProperty("status").GetString() != "queued"
            );
        }

        killedAt.Add((await TryGetAsync(http, $"admin/jobs/{jobId}"))?.GetProperty("status").GetString() ?? "?");
        server.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no flush
        await server.WaitForExitAsync();
        server.Dispose();
        var restarted = Start(env, args);
        await WaitUntilAsync(async () => (await TryGetAsync(http, "admin/workers")) is not null);
        return restarted;
    }

    private static async Task<JsonElement> FinishedAsync(HttpClient http, string jobId)
    {
        JsonElement? job = null;
        // A restarted server is found again by the agent's back-off (up to 30 s between tries): give a loaded machine time.
        await WaitUntilAsync(
            async () => (job = await TryGetAsync(http, $"admin/jobs/{jobId}"))?.GetProperty("status").GetString() is "done" or "failed",
            seconds: 180
        );
        return job!.Value;
    }
}
