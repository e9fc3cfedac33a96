using System.Net.Http.Headers;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Server.Tests;

/// <summary>What repairs refuse or decide on their own: bad requests, relays outside the registry, cancellation, auto-repair.</summary>
public sealed class RepairGuardTests
{
    [Fact]
    public async Task Bad_repair_requests_are_refused_with_the_reason()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var agent = server.Agent("gpu-01", Path.GetTempPath(), Path.Combine(server.DataDir, "a1"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));

        var unknownAction = await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "rm-rf" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownAction.StatusCode);
        Assert.Contains("'rm-rf'", await unknownAction.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("admin/repair/gpu-01", new { })).StatusCode);
        var none = await admin.PostAsJsonAsync("admin/repair", new { workers = Array.Empty<string>(), actions = new[] { "sync-models" } });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode); // an empty list is not "every worker"
        Assert.Contains("name at least one", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ghost = await admin.PostAsJsonAsync("admin/sync-models/ghost", new { from = "gpu-01" });
        Assert.Equal(HttpStatusCode.NotFound, ghost.StatusCode);
        Assert.Contains("ghost", await ghost.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Planned before any scan: nothing to do yet, and it says why.
        var plan = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "verify-and-repair" }, dryRun = true })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        Assert.Equal("scan.none", plan.GetProperty("plan").GetProperty("unresolvable")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_queued_repair_can_be_cancelled_and_a_running_one_is_told_to_stop()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var work = Path.Combine(server.DataDir, "demo");
        var demo = DemoInstallation.Create(work, checkpointMiB: 1);
        var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(server.DataDir, "a1"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));

        var queued = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        var jobId = queued.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
        var cancelled = JsonDocument
            .Parse(await (await admin.PostAsync($"admin/jobs/{jobId}/cancel", null)).Content.ReadAsStringAsync())
            .RootElement;
        Assert.Equal("failed", cancelled.GetProperty("status").GetString());
        Assert.Contains("cancelled", cancelled.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // never handed out
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"admin/jobs/{jobId}/cancel", null)).StatusCode);

        // Running: the agent's next progress post is answered 409, so it stops.
        var second = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        var runningId = second.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
        var credential = await File.ReadAllTextAsync(Path.Combine(server.DataDir, "a1", "agent-credential"));
        using var raw = server.Client(credential.Trim());
        var job = JsonDocument.Parse(await raw.GetStringAsync("agent/v1/jobs/next")).RootElement;
        Assert.Equal(runningId, job.GetProperty("id").GetString());
        var progress = new JobProgress("repairing", 0, 1, 0, 0);
        Assert.Equal(HttpStatusCode.NoContent, (await raw.PostAsJsonAsync($"agent/v1/jobs/{runningId}/progress", progress)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"admin/jobs/{runningId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await raw.PostAsJsonAsync($"agent/v1/jobs/{runningId}/progress", progress)).StatusCode);
        var audit = await admin.GetStringAsync("admin/audit?size=500");
        Assert.Contains("asked the agent to stop", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relays_carry_only_registry_models_from_another_worker_to_the_asking_one()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { RelayWait = TimeSpan.FromSeconds(2) });
        using var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var registered = JsonDocument.Parse(await admin.GetStringAsync("admin/models")).RootElement[0].GetProperty("sha256").GetString()!;
        foreach (var name in new[] { "gpu-01", "gpu-02" })
        {
            Assert.False(
                await server.Agent(name, demo.ComfyUiRoot, Path.Combine(server.DataDir, name)).PollOnceAsync(CancellationToken.None)
            );
        }

        using var one = server.Client((await File.ReadAllTextAsync(Path.Combine(server.DataDir, "gpu-01", "agent-credential"))).Trim());
        // not a registry model
        Assert.Equal(HttpStatusCode.NotFound, (await one.GetAsync($"agent/v1/blobs/{new string('d', 64)}?from=gpu-02")).StatusCode);
        // not from itself
        Assert.Equal(HttpStatusCode.NotFound, (await one.GetAsync($"agent/v1/blobs/{registered}?from=gpu-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await one.GetAsync("agent/v1/blobs/..%2F..%2Fetc?from=gpu-02")).StatusCode);
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await one.PostAsync("agent/v1/relay/not-a-relay", new ByteArrayContent([1, 2, 3]))).StatusCode
        );

        // No repair of gpu-01 needs it: refused (AbuseTests relays within a running repair; a silent peer there gives 504).
        Assert.Equal(HttpStatusCode.Forbidden, (await one.GetAsync($"agent/v1/blobs/{registered}?from=gpu-02")).StatusCode);
        using var anonymous = server.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"agent/v1/blobs/{registered}?from=gpu-02")).StatusCode);
    }

    [Fact]
    public async Task A_worker_enrolled_for_auto_repair_is_repaired_after_its_first_scan()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agent = new AgentClient(
            new HttpClient(),
            TestServer.Options(server.Url, "fresh", demo.ComfyUiRoot, Path.Combine(server.DataDir, "a")) with
            {
                AutoRepair = true,
            }
        );
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // the first scan…
        Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // …then Verify & Repair, queued by the policy

        var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
        var request = Assert.Single(audit, a => a.GetProperty("action").GetString() == "repair.request");
        Assert.Equal("policy:auto-repair", request.GetProperty("actor").GetString());
        Assert.Contains("actions=verify-and-repair", request.GetProperty("parameters").GetString(), StringComparison.Ordinal);
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "repair.finish");
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // only after the first scan
    }

    [Fact]
    public async Task Unknown_or_unsafe_files_are_quarantined_only_when_named()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(server.DataDir, "a1"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("admin/quarantine/gpu-01", new { })).StatusCode);
        Assert.Equal(
            HttpStatusCode.BadRequest,
            (await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "quarantine-models" } })).StatusCode
        );
        var plan = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync(
                        "admin/quarantine/gpu-01",
                        new { models = new[] { "embeddings/free-prompts.pt", "loras/detail-tweaker.safetensors" }, dryRun = true }
                    )
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        var planned = plan.GetProperty("plan").GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal(
            [("quarantine-model", "embeddings/free-prompts.pt")],
            planned.Select(a => (a.GetProperty("kind").GetString(), a.GetProperty("subject").GetString()))
        );
        // A registry model is never quarantined (a repair replaces it instead), and an unnamed unknown file stays.

        var started = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/quarantine/gpu-01", new { models = new[] { "embeddings/free-prompts.pt" } })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        var pickle = Path.Combine(demo.ComfyUiRoot, "models", "embeddings", "free-prompts.pt");
        Assert.False(File.Exists(pickle));
        Assert.Single(
            Directory.GetFiles(
                Path.Combine(demo.ComfyUiRoot, ".comfydoctor", "quarantine"),
                "free-prompts.pt.*",
                SearchOption.AllDirectories
            )
        );
        Assert.True(File.Exists(Path.Combine(demo.ComfyUiRoot, "models", "upscale_models", "4x-UltraSharp.pth")));
        var job = JsonDocument
            .Parse(await admin.GetStringAsync($"admin/jobs/{started.GetProperty("jobs")[0].GetProperty("jobId").GetString()}"))
            .RootElement;
        Assert.Equal(
            ["embeddings/free-prompts.pt"],
            job.GetProperty("result").GetProperty("fixed").EnumerateArray().Select(f => f.GetString())
        );
        var report = await admin.GetStringAsync("admin/integrity-report/gpu-01");
        Assert.DoesNotContain("free-prompts.pt", report, StringComparison.Ordinal);
        Assert.Contains("repair.quarantine-model", await admin.GetStringAsync("admin/audit?size=500"), StringComparison.Ordinal);
    }

    /// <summary>
    /// A model root on a real 2 MiB tmpfs (the suite runs as root, as CI does): the plan refuses a download that cannot fit,
    /// naming the volume, and nothing is written.
    /// </summary>
    [Fact]
    public async Task A_download_that_cannot_fit_its_volume_is_refused_up_front()
    {
        Assert.True(Environment.UserName == "root", "this test mounts a small tmpfs and needs root (CI runs the suite as root)");
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var comfy = Path.Combine(server.DataDir, "ComfyUI");
        var loras = Path.Combine(comfy, "models", "loras");
        Directory.CreateDirectory(loras);
        Directory.CreateDirectory(Path.Combine(comfy, "custom_nodes"));
        var mirror = Path.Combine(server.DataDir, "mirror", "loras");
        Directory.CreateDirectory(mirror);
        var big = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 << 20);
        await File.WriteAllBytesAsync(Path.Combine(mirror, "big.safetensors"), big);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(big));
        var downUrl = new Uri(Path.Combine(mirror, "big.safetensors")).AbsoluteUri.Replace(
            "file://",
            "http://127.0.0.1:9",
            StringComparison.Ordinal
        );
        (
            await admin.PostAsync(
                "admin/models",
                new StringContent(
                    $"models:\n  - path: loras/big.safetensors\n    sha256: {sha}\n    size: {big.Length}\n    urls: [\"{downUrl}\"]\n"
                )
            )
        ).EnsureSuccessStatusCode();
        var mount = await Agent.Processes.ProcessRunner.RunAsync(
            new Agent.Processes.ProcessSpec(
                "mount",
                ["-t", "tmpfs", "-o", "size=2m", "tmpfs", loras],
                null,
                null,
                TimeSpan.FromSeconds(20)
            ),
            CancellationToken.None
        );
        Assert.True(mount.Succeeded, mount.StdErr);
        try
        {
            var agent = server.Agent("small", comfy, Path.Combine(server.DataDir, "agent"));
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            // the server plans from the latest scan
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            var started = JsonDocument
                .Parse(
                    await (
                        await admin.PostAsJsonAsync("admin/repair/small", new { actions = new[] { "sync-models" } })
                    ).Content.ReadAsStringAsync()
                )
                .RootElement;
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var job = JsonDocument
                .Parse(await admin.GetStringAsync($"admin/jobs/{started.GetProperty("jobs")[0].GetProperty("jobId").GetString()}"))
                .RootElement;
            var plan = job.GetProperty("result").GetProperty("outcome").GetProperty("plan");
            Assert.Equal(0, plan.GetProperty("actions").GetArrayLength());
            var refused = Assert.Single(plan.GetProperty("unresolvable").EnumerateArray(), u =>
                u.GetProperty("code").GetString() == "disk.low"
            );
            Assert.Contains(loras, refused.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(loras, "*", SearchOption.AllDirectories));
        }
        finally
        {
            await Agent.Processes.ProcessRunner.RunAsync(
                new Agent.Processes.ProcessSpec("umount", [loras], null, null, TimeSpan.FromSeconds(20)),
                CancellationToken.None
            );
        }
    }
}
