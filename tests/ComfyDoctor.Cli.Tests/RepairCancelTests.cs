using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Server;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Cancelling a repair in the middle of a transfer from a slow source (a real server, a real agent, a real HTTP source):
/// the transfer stops, the model ComfyUI would load is untouched, the partial stays hidden for a resume, the action is
/// reported as cancelled and the worker is scanned again.
/// </summary>
public sealed class RepairCancelTests
{
    [Fact]
    public async Task A_cancelled_repair_stops_its_transfer_and_leaves_the_model_as_it_was()
    {
        using var dir = new TempDir();
        var good = RandomNumberGenerator.GetBytes(8 << 20);
        await using var source = await ModelServer.StartAsync(good, TimeSpan.FromMilliseconds(40));
        var model = dir.Combine("ComfyUI", "models", "checkpoints", "big.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        Directory.CreateDirectory(dir.Combine("ComfyUI", "custom_nodes"));
        var old = RandomNumberGenerator.GetBytes(1000);
        await File.WriteAllBytesAsync(model, old);
        await File.WriteAllTextAsync(
            dir.Combine("registry.yaml"),
            $"models:\n  - path: checkpoints/big.safetensors\n    sha256: {Convert.ToHexStringLower(SHA256.HashData(good))}\n    "
                + $"size: {good.Length}\n    urls: [\"{source.Slow}\"]\n"
        );

        await using var app = ServerHost.Build(
            new ServerOptions("http://127.0.0.1:0", null, dir.Combine("server"))
            {
                AdminToken = "cancel-admin-token-123456",
                EnrollToken = "cancel-enroll-token-123456",
                LongPoll = TimeSpan.FromSeconds(2),
            }
        );
        var url = await ServerHost.StartAsync(app, CancellationToken.None);
        using var admin = new HttpClient { BaseAddress = url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "cancel-admin-token-123456");
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(dir.Combine("registry.yaml"))))
        ).EnsureSuccessStatusCode();
        var agent = new AgentClient(
            new HttpClient(),
            new AgentOptions(
                url,
                "cancel-enroll-token-123456",
                "w1",
                [],
                dir.Combine("agent"),
                new ScanOptions(dir.Combine("ComfyUI"), [], false, 2, dir.Combine("agent", "cache.json"), null, "w1")
            )
            {
                ProgressInterval = TimeSpan.FromMilliseconds(100),
                FirstBackoff = TimeSpan.FromMilliseconds(100),
            }
        );
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);
        try
        {
            await Until(async () => (await admin.GetFromJsonAsync<JsonElement>("admin/workers")).GetArrayLength() == 1);
            // The server plans a repair from the worker's latest finished scan (issue 14.4): scan first.
            var scan = (
                await (
                    await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "w1" } })
                ).Content.ReadFromJsonAsync<JsonElement>()
            )[0]
                .GetProperty("jobId")
                .GetString();
            await Until(async () =>
                (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{scan}")).GetProperty("status").GetString() == "done"
            );
            var started = await (
                await admin.PostAsJsonAsync("admin/repair/w1", new { actions = new[] { "sync-models" } })
            ).Content.ReadFromJsonAsync<JsonElement>();
            var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
            var partial = VerifiedDownloader.PartialPath(
                new TransferTarget(model, Convert.ToHexStringLower(SHA256.HashData(good)), good.Length)
            );
            await Until(() => Task.FromResult(File.Exists(partial) && new FileInfo(partial).Length > 0)); // bytes are arriving

            (await admin.PostAsync($"admin/jobs/{jobId}/cancel", null)).EnsureSuccessStatusCode();
            JsonElement job = default;
            await Until(async () =>
                (job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{jobId}")).GetProperty("status").GetString()
                    is "done"
                        or "failed"
            );

            var action = job.GetProperty("result").GetProperty("outcome").GetProperty("actions")[0];
            Assert.Equal("cancelled", action.GetProperty("outcome").GetString());
            Assert.Equal(old, await File.ReadAllBytesAsync(model)); // what ComfyUI loads was never touched
            Assert.True(new FileInfo(partial).Length < good.Length); // stopped part-way, kept hidden for a resume
            Assert.False(
                Directory.Exists(dir.Combine("ComfyUI", ".comfydoctor", "quarantine"))
                    && Directory
                        .EnumerateFiles(dir.Combine("ComfyUI", ".comfydoctor", "quarantine"), "*", SearchOption.AllDirectories)
                        .Any()
            );
            var report = await admin.GetFromJsonAsync<JsonElement>("admin/integrity-report/w1");
            // re-scanned, still open
            Assert.Contains(report.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "model.corrupted");
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            await app.StopAsync();
        }
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("condition not met within 30 s");
    }
}
