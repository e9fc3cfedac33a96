using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Repairs;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 16, case 7, on the agent's side: a repair job waits while another writer (here a <c>check --fix</c> holding the
/// installation's lock) repairs the same ComfyUI, says so in its progress, and runs once the lock is free.
/// </summary>
public sealed class InstallationLockTests
{
    [Fact]
    public async Task An_agent_repair_waits_for_the_writer_that_holds_the_installation_and_says_who()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(server.DataDir, "a1"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // scanned: the repair below is planned from it

        Task<bool> run;
        string jobId;
        using (await InstallationLock.AcquireAsync(demo.ComfyUiRoot, "check --fix models", TimeSpan.Zero, null, CancellationToken.None))
        {
            var queued = await (
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
            ).Content.ReadFromJsonAsync<JsonElement>();
            jobId = queued.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
            run = agent.PollOnceAsync(CancellationToken.None);
            string? phase = null;
            for (var i = 0; i < 600 && phase?.Contains("is being repaired by check --fix models", StringComparison.Ordinal) != true; i++)
            {
                await Task.Delay(100);
                var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{jobId}");
                phase =
                    job.TryGetProperty("progress", out var progress) && progress.TryGetProperty("message", out var p)
                        ? p.GetString()
                        : null;
            }

            Assert.Contains("is being repaired by check --fix models", phase, StringComparison.Ordinal);
            Assert.False(run.IsCompleted, "the repair ran while another writer held the installation");
        }

        Assert.True(await run);
        var done = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{jobId}");
        Assert.Equal("done", done.GetProperty("status").GetString());
    }
}
