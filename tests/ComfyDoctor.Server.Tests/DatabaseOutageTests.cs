using ComfyDoctor.Agent.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>Issue 9, case 8: PostgreSQL is restarted (crash stop, down a while) during a fleet scan. The server stays up,
/// the agents' deliveries that meet the outage are retried, and every scan is stored once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseOutageTests(Postgres postgres)
{
    private static readonly string[] Workers = ["gpu-01", "gpu-02", "gpu-03"];

    [Fact]
    public async Task A_postgres_restart_during_a_fleet_scan_loses_nothing_and_stores_nothing_twice()
    {
        await using var server = await TestServer.StartAsync(await postgres.NewDatabaseAsync(), configure: o =>
            o with
            {
                SchedulerTick = TimeSpan.FromMilliseconds(100),
            }
        );
        var work = Directory.CreateTempSubdirectory("cdoutage-").FullName;
        using var stop = new CancellationTokenSource();
        var failures = new FailureCounter();
        try
        {
            var agents = Workers
                .Select(name =>
                {
                    var demo = DemoInstallation.Create(Path.Combine(work, name), checkpointMiB: 2);
                    return server.Agent(name, demo.ComfyUiRoot, Path.Combine(work, name, "agent"), failures).RunAsync(stop.Token);
                })
                .ToList();
            using var admin = server.Admin();
            await WaitUntilAsync(async () =>
                (await admin.GetFromJsonAsync<JsonElement>("admin/workers")).GetArrayLength() == Workers.Length
            );
            // the scheduler reads the store every 100 ms
            (await admin.PutAsJsonAsync("admin/schedule", new { cron = "0 3 * * *" })).EnsureSuccessStatusCode();

            Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).StatusCode);
            await postgres.RestartAsync(TimeSpan.FromSeconds(3));

            await WaitUntilAsync(async () =>
                await TryWorkersAsync(admin) is { } workers
                && workers.EnumerateArray().All(w => w.GetProperty("lastScanStatus").GetString() == "done")
            );
            using var scope = server.App.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
            Assert.Equal(Workers.Length, await db.Scans.CountAsync());
            Assert.Equal(Workers.Length, await db.Scans.CountAsync(s => s.Status == Store.JobStatus.Done && s.ResultsJson != null));
            Assert.Equal(Workers.Length, await db.Jobs.CountAsync(j => j.Status == Store.JobStatus.Done));
            Assert.True((await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());
            Assert.True(failures.Count > 0, "no agent request met the outage");
            Console.WriteLine(
                $"RELIABILITY postgres-restart: workers={Workers.Length} outage-s=3 agent-requests-failed={failures.Count} "
                    + $"scans-stored={Workers.Length} duplicates=0 lost=0"
            );
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<JsonElement?> TryWorkersAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("admin/workers");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 1200 && !await condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await condition(), "not reached within two minutes");
    }

    /// <summary>Counts the agents' requests that the server answered with an error (5xx) or not at all.</summary>
    private sealed class FailureCounter : DelegatingHandler
    {
        private int _count;

        public FailureCounter() => InnerHandler = new HttpClientHandler();

        public int Count => _count;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if ((int)response.StatusCode >= 500)
                {
                    Interlocked.Increment(ref _count);
                }

                return response;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _count);
                throw;
            }
        }
    }
}
