using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// One-click repair of a worker that never finished a scan: the confirmation queues a scan under the repair's id, and the
/// scan's result plans and queues the worker's repair under the same id in one transaction — so the repair is followed as
/// one, never looks ended in between, and a failed scan or a clean worker is said in the audit trail, not left silent.
/// (Simultaneous repairs of a never-scanned worker through two replicas: <see cref="ConcurrentRepairContract"/>.)
/// </summary>
public abstract class ScanFirstContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Verify_and_repair_of_a_never_scanned_worker_scans_it_then_repairs_it()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdfirst-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            using var admin = server.Admin();
            (
                await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
            ).EnsureSuccessStatusCode();
            var one = server.Agent("gpu-01", fleet.Workers[0].ComfyUiRoot, Path.Combine(work, "a1"));
            var two = server.Agent("gpu-02", fleet.Workers[1].ComfyUiRoot, Path.Combine(work, "a2"));
            Assert.False(await one.PollOnceAsync(CancellationToken.None));
            Assert.False(await two.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-02" } })).EnsureSuccessStatusCode();
            Assert.True(await two.PollOnceAsync(CancellationToken.None)); // the peer gpu-01 can copy from; gpu-01 is never scanned

            var started = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "verify-and-repair" } }),
                HttpStatusCode.Accepted
            );
            var repairId = started.GetProperty("repairId").GetString()!;
            Assert.True(started.GetProperty("jobs")[0].GetProperty("scanFirst").GetBoolean());
            var waiting = await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } });
            Assert.Equal(HttpStatusCode.Conflict, waiting.StatusCode); // its repair is under way: scanning first
            Assert.Equal(["scan"], await KindsAsync(admin, repairId));

            Assert.True(await one.PollOnceAsync(CancellationToken.None)); // the scan; its result queues the repair job
            var jobs = await JobsAsync(admin, repairId);
            Assert.Equal(["scan", "repair"], jobs.Select(j => j.GetProperty("kind").GetString()));
            Assert.Equal(["done", "queued"], jobs.Select(j => j.GetProperty("status").GetString()));

            var running = new[] { one.RunAsync(stop.Token), two.RunAsync(stop.Token) };
            var ended = await EndedAsync(admin, repairId);
            await stop.CancelAsync();
            var repair = ended.Single(j => j.GetProperty("kind").GetString() == "repair");
            Assert.Equal("done", repair.GetProperty("status").GetString());
            var fixedModels = repair.GetProperty("result").GetProperty("fixed").EnumerateArray().Select(f => f.GetString()).ToList();
            Assert.Contains("loras/detail-tweaker.safetensors", fixedModels);
            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.DoesNotContain(report.GetProperty("findings").EnumerateArray(), f =>
                fixedModels.Contains(f.GetProperty("subject").GetString())
            );

            var audit = await AuditAsync(admin);
            var planned = Assert.Single(audit, a =>
                a.GetProperty("action").GetString() == "repair.request"
                && a.GetProperty("outcome").GetString()!.StartsWith("planned from scan", StringComparison.Ordinal)
            );
            Assert.Equal("admin", planned.GetProperty("actor").GetString());
            Assert.Contains($"repair={repairId}", planned.GetProperty("parameters").GetString(), StringComparison.Ordinal);
            Assert.All(audit.Where(a => a.GetProperty("action").GetString() == "repair.sync-model"), a =>
                Assert.Equal("admin", a.GetProperty("actor").GetString())
            );
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_failed_scan_or_a_clean_worker_ends_the_repair_and_says_so()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdfirst-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var fleet = DemoFleet.Create(work);
            using var admin = server.Admin();
            (
                await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
            ).EnsureSuccessStatusCode();
            var gone = server.Agent("gpu-01", fleet.Workers[0].ComfyUiRoot, Path.Combine(work, "a1"));
            var clean = server.Agent("gpu-02", fleet.Workers[1].ComfyUiRoot, Path.Combine(work, "a2"));
            Assert.False(await gone.PollOnceAsync(CancellationToken.None));
            Assert.False(await clean.PollOnceAsync(CancellationToken.None));

            var failing = (
                await Json(
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } }),
                    HttpStatusCode.Accepted
                )
            )
                .GetProperty("repairId")
                .GetString()!;
            using (var raw = server.Client((await File.ReadAllTextAsync(Path.Combine(work, "a1", "agent-credential"))).Trim()))
            {
                var claimed = JsonDocument.Parse(await raw.GetStringAsync("agent/v1/jobs/next")).RootElement.GetProperty("id").GetString();
                var failure = new JobResult(null, "the disk holding ComfyUI went away");
                (await raw.PostAsJsonAsync($"agent/v1/jobs/{claimed}/result", failure, ReportJson.Options)).EnsureSuccessStatusCode();
            }

            var scan = Assert.Single(await JobsAsync(admin, failing));
            Assert.Equal("failed", scan.GetProperty("status").GetString());

            var nothing = (
                await Json(
                    await admin.PostAsJsonAsync("admin/repair/gpu-02", new { actions = new[] { "sync-models" } }),
                    HttpStatusCode.Accepted
                )
            )
                .GetProperty("repairId")
                .GetString()!;
            Assert.True(await clean.PollOnceAsync(CancellationToken.None));
            Assert.Equal(["done"], (await JobsAsync(admin, nothing)).Select(j => j.GetProperty("status").GetString()));

            var requests = (await AuditAsync(admin))
                .Where(a => a.GetProperty("action").GetString() == "repair.request")
                .Select(a => (Target: a.GetProperty("target").GetString(), Outcome: a.GetProperty("outcome").GetString()!))
                .ToList();
            Assert.Contains(requests, r =>
                r.Target == "gpu-01"
                && r.Outcome.StartsWith(
                    "not run: the scan it waited for failed (the disk holding ComfyUI went away)",
                    StringComparison.Ordinal
                )
            );
            Assert.Contains(requests, r => r.Target == "gpu-02" && r.Outcome.StartsWith("nothing to repair", StringComparison.Ordinal));

            // Neither worker is left "busy": the next repair of the failed one is taken (and scans first again).
            var again = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } }),
                HttpStatusCode.Accepted
            );
            Assert.True(again.GetProperty("jobs")[0].GetProperty("scanFirst").GetBoolean());
            Assert.True(
                JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement.GetProperty("intact").GetBoolean()
            );
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<List<JsonElement>> JobsAsync(HttpClient admin, string repairId) =>
        [.. JsonDocument.Parse(await admin.GetStringAsync($"admin/repairs/{repairId}")).RootElement.GetProperty("jobs").EnumerateArray()];

    private static async Task<List<string?>> KindsAsync(HttpClient admin, string repairId) =>
        [.. (await JobsAsync(admin, repairId)).Select(j => j.GetProperty("kind").GetString())];

    /// <summary>The repair's jobs once every one has ended (bounded: a hang fails the test, no time is asserted).</summary>
    private static async Task<List<JsonElement>> EndedAsync(HttpClient admin, string repairId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var jobs = await JobsAsync(admin, repairId);
            if (jobs.Count == 2 && jobs.All(j => j.GetProperty("status").GetString() is "done" or "failed"))
            {
                return jobs;
            }

            await Task.Delay(200, limit.Token);
        }
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin) =>
        [.. JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray()];

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}

public sealed class SqliteScanFirstTests : ScanFirstContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresScanFirstTests(Postgres postgres) : ScanFirstContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
