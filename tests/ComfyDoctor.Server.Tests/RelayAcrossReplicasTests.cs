using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// The peer relay behind a balancer: two real replicas on one PostgreSQL database, gpu-01's agent pinned to the first and
/// gpu-02's (the peer holding the good copies) to the second. gpu-01's download and gpu-02's upload of each model meet in
/// the database, chunk by chunk within the window; the models arrive verified, nothing partial is left, and no chunk stays
/// behind. (The registry's URLs are dead, so without the shared relay the repair could not fix anything.)
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RelayAcrossReplicasTests(Postgres postgres)
{
    private const int Window = 3;

    [Fact]
    public async Task A_model_is_relayed_between_agents_that_reach_different_replicas()
    {
        var database = await postgres.NewDatabaseAsync();
        Func<ServerOptions, ServerOptions> small = o => o with { RelayChunkBytes = 64 << 10, RelayWindow = Window };
        await using var first = await TestServer.StartAsync(database, configure: small);
        await using var second = await TestServer.StartAsync(database, configure: small);
        var work = Path.Combine(Path.GetTempPath(), "cdrelay2-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            using var admin = first.Admin();
            (
                await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
            ).EnsureSuccessStatusCode();
            var one = first.Agent("gpu-01", fleet.Workers[0].ComfyUiRoot, Path.Combine(work, "a1"));
            var two = second.Agent("gpu-02", fleet.Workers[1].ComfyUiRoot, Path.Combine(work, "a2"));
            Assert.False(await one.PollOnceAsync(CancellationToken.None));
            Assert.False(await two.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await one.PollOnceAsync(CancellationToken.None));
            Assert.True(await two.PollOnceAsync(CancellationToken.None));

            var started = await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var jobId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
            var running = new[] { one.RunAsync(stop.Token), two.RunAsync(stop.Token) };
            var (mostAhead, chunksSeen) = (0, 0);
            var job = default(JsonElement);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                var ahead = await ChunksPerRelayAsync(first);
                (mostAhead, chunksSeen) = (Math.Max(mostAhead, ahead), chunksSeen + (ahead > 0 ? 1 : 0));
                job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
                if (job.GetProperty("status").GetString() is "done" or "failed")
                {
                    break;
                }

                await Task.Delay(10);
            }

            await stop.CancelAsync();
            Assert.Equal("done", job.GetProperty("status").GetString());
            var result = job.GetProperty("result");
            var actions = result.GetProperty("outcome").GetProperty("actions").EnumerateArray().ToList();
            Assert.NotEmpty(actions);
            Assert.All(actions, a => Assert.Equal("done", a.GetProperty("outcome").GetString()));
            Assert.All(actions, a => Assert.Equal("worker gpu-02", a.GetProperty("source").GetString()));

            var registry = JsonDocument
                .Parse(await admin.GetStringAsync("admin/models"))
                .RootElement.EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("sha256").GetString());
            var vae = Path.Combine(fleet.Workers[0].ComfyUiRoot, "models", "vae", "sdxl_vae.safetensors");
            Assert.Equal(
                registry["vae/sdxl_vae.safetensors"],
                Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(vae)))
            );
            Assert.Empty(Directory.GetFiles(fleet.Workers[0].ComfyUiRoot, "*.partial", SearchOption.AllDirectories));

            Assert.True(chunksSeen > 0, "no chunk was ever seen in the database: the bytes did not pass through it");
            Assert.InRange(mostAhead, 1, Window); // the upload never ran more than the window ahead of the download
            using var scope = first.App.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
            Assert.Equal(0, await db.RelayChunks.CountAsync());
            Assert.Equal(0, await db.RelayTransfers.CountAsync());
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The most chunks any relay holds in the database now.</summary>
    private static async Task<int> ChunksPerRelayAsync(TestServer server)
    {
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        var counts = await db.RelayChunks.GroupBy(c => c.RelayId).Select(g => g.Count()).ToListAsync();
        return counts.Count == 0 ? 0 : counts.Max();
    }
}
