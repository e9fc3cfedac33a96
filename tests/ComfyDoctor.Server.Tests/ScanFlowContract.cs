using ComfyDoctor.Agent.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ComfyDoctor.Server.Tests;

/// <summary>The scan flow end to end — enroll, import the registry, request a scan, the agent runs it, the report is
/// stored and served, the audit chain holds — run once on SQLite and once on PostgreSQL.</summary>
public abstract class ScanFlowContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_requested_scan_is_run_by_the_agent_and_its_report_served()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdflow-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            using var admin = server.Admin();
            var imported = await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)));
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

            var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent"));
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolls; nothing to do yet

            var requested = await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-01" } });
            Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
            var scanId = JsonDocument.Parse(await requested.Content.ReadAsStringAsync()).RootElement[0].GetProperty("scanId").GetString();

            var pending = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.Equal("queued", pending.GetProperty("status").GetString());

            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.Equal(scanId, report.GetProperty("scanId").GetString());
            Assert.Equal("done", report.GetProperty("status").GetString());
            Assert.Equal("gpu-01", report.GetProperty("worker").GetString());
            Assert.Equal("red", report.GetProperty("health").GetProperty("models").GetString());
            var findings = report
                .GetProperty("findings")
                .EnumerateArray()
                .Select(f => (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString()))
                .ToList();
            Assert.Contains(("model.corrupted", "loras/detail-tweaker.safetensors"), findings);
            Assert.Contains(("model.missing", "text_encoders/t5xxl_fp8_e4m3fn.safetensors"), findings);
            Assert.Contains(("model.unsafe", "embeddings/free-prompts.pt"), findings);

            var workers = JsonDocument.Parse(await admin.GetStringAsync("admin/workers")).RootElement;
            Assert.Equal("red", workers[0].GetProperty("health").GetProperty("models").GetString());
            Assert.True(JsonElement.DeepEquals(report.GetProperty("health"), workers[0].GetProperty("health")), workers[0].ToString());

            // A scan stored before migration 004 (no lights column) is listed with its lights once the migration ran.
            using (var scope = server.App.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE integrity_scans DROP COLUMN health_json");
                await db.Database.ExecuteSqlRawAsync("DELETE FROM schema_version WHERE version = 4");
                Assert.Equal([4], await Store.MigrationRunner.ApplyAsync(db, CancellationToken.None));
            }

            var migrated = JsonDocument.Parse(await admin.GetStringAsync("admin/workers")).RootElement;
            Assert.True(JsonElement.DeepEquals(report.GetProperty("health"), migrated[0].GetProperty("health")), migrated[0].ToString());

            var compare = JsonDocument.Parse(await admin.GetStringAsync("admin/compare?workers=gpu-01&reference=gpu-01")).RootElement;
            // A worker agrees with itself: its models are counted, never listed (issue 16.5); its packs and runtime are lined up.
            Assert.DoesNotContain(compare.GetProperty("rows").EnumerateArray(), r => r.GetProperty("category").GetString() == "models");
            Assert.Contains(compare.GetProperty("rows").EnumerateArray(), r =>
                r.GetProperty("attribute").GetString() == "ComfyUI-DemoPack"
            );
            Assert.True(compare.GetProperty("models").GetProperty("identities").GetInt32() > 5, compare.GetProperty("models").ToString());
            Assert.Equal(0, compare.GetProperty("models").GetProperty("differing").GetInt32());
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("admin/compare?workers=gpu-01,ghost")).StatusCode);

            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement;
            Assert.True(audit.GetProperty("intact").GetBoolean());
            Assert.Equal(3, audit.GetProperty("records").GetInt32()); // registry import, enroll, scan request
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("admin/integrity-report/nobody")).StatusCode);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_job_whose_agent_died_is_offered_again_after_its_lease()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // the default 10-minute lease, on the test's clock
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o => o with { Time = clock });
        using var admin = server.Admin();
        var enrolled = await (
            await new HttpClient { BaseAddress = server.Url }.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name = "w1",
                    tags = Array.Empty<string>(),
                    enrollToken = TestServer.EnrollToken,
                }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();
        using var agent = server.Client(enrolled.GetProperty("credential").GetString());
        await admin.PostAsJsonAsync("admin/integrity-scan", new { });

        var first = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next");
        clock.Advance(TimeSpan.FromMinutes(11)); // the agent "dies" holding the job
        var again = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next");

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{first.GetProperty("id").GetString()}");
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_job_whose_claim_never_reached_its_agent_is_handed_to_it_again_when_it_asks_idle()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync()); // the default 10-minute lease
        using var admin = server.Admin();
        var enrolled = await (
            await new HttpClient { BaseAddress = server.Url }.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name = "w1",
                    tags = Array.Empty<string>(),
                    enrollToken = TestServer.EnrollToken,
                }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();
        using var agent = server.Client(enrolled.GetProperty("credential").GetString());
        await admin.PostAsJsonAsync("admin/integrity-scan", new { });

        var lost = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // claimed; say the answer never arrived
        var id = lost.GetProperty("id").GetString();
        using (var busy = await agent.GetAsync("agent/v1/jobs/next?kinds=upload-blob")) // an agent busy with a job does not get it back
        {
            Assert.Equal(HttpStatusCode.NoContent, busy.StatusCode);
        }

        var again = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // idle: the running job was never received

        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("attempts").GetInt32());

        await agent.GetAsync("agent/v1/jobs/next"); // the third attempt
        using var exhausted = await agent.GetAsync("agent/v1/jobs/next"); // and no more: failed with its reason
        Assert.Equal(HttpStatusCode.NoContent, exhausted.StatusCode);
        var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("after 3 attempts", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_cannot_touch_another_workers_job()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var anonymous = new HttpClient { BaseAddress = server.Url };
        async Task<HttpClient> Enroll(string name) => server.Client((
                    await (
                        await anonymous.PostAsJsonAsync(
                            "agent/v1/enroll",
                            new
                            {
                                name,
                                tags = Array.Empty<string>(),
                                enrollToken = TestServer.EnrollToken,
                            }
                        )
                    ).Content.ReadFromJsonAsync<JsonElement>()
                ).GetProperty("credential").GetString());
        using var one = await Enroll("one");
        using var two = await Enroll("two");
        using var admin = server.Admin();
        await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "one" } });
        var job = await one.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next");
        var id = job.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await two.GetAsync("agent/v1/jobs/next")).StatusCode);
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await two.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { error = "forged" })).StatusCode
        );
        Assert.Equal(
            HttpStatusCode.Conflict,
            (
                await anonymous.PostAsJsonAsync(
                    "agent/v1/enroll",
                    new
                    {
                        name = "one",
                        tags = Array.Empty<string>(),
                        enrollToken = TestServer.EnrollToken,
                    }
                )
            ).StatusCode
        );
        Assert.Equal(
            HttpStatusCode.Unauthorized,
            (
                await anonymous.PostAsJsonAsync(
                    "agent/v1/enroll",
                    new
                    {
                        name = "three",
                        tags = Array.Empty<string>(),
                        enrollToken = "wrong",
                    }
                )
            ).StatusCode
        );
    }

    [Fact]
    public async Task Workflows_add_needs_adopt_fills_the_registry_and_a_scheduled_tick_fires_once_across_replicas()
    {
        var database = await DatabaseAsync();
        await using var server = await TestServer.StartAsync(database);
        await using var replica = await TestServer.StartAsync(database ?? Path.Combine(server.DataDir, "comfydoctor.db"));
        var work = Path.Combine(Path.GetTempPath(), "cdwf-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            using var admin = server.Admin();
            var workflow =
                "{\"1\": {\"class_type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \"sd15/dreamshaper_8.safetensors\"}},"
                + " \"2\": {\"class_type\": \"LoraLoader\", \"inputs\": {\"lora_name\": \"not-here.safetensors\"}},"
                + " \"3\": {\"class_type\": \"MysteryNode\", \"inputs\": {}}}";
            var added = await admin.PostAsync("admin/workflows?name=portrait", new StringContent(workflow));
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal(
                HttpStatusCode.BadRequest,
                (await admin.PostAsync("admin/workflows?name=broken", new StringContent("{\"1\": {"))).StatusCode
            );

            var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent"));
            await agent.PollOnceAsync(CancellationToken.None);
            await admin.PostAsJsonAsync("admin/integrity-scan", new { });
            await agent.PollOnceAsync(CancellationToken.None);
            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            var findings = report
                .GetProperty("findings")
                .EnumerateArray()
                .Select(f => (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString()))
                .ToList();
            Assert.Contains(("model.missing", "loras/not-here.safetensors"), findings);
            Assert.Contains(("node.unresolved", "MysteryNode"), findings);
            Assert.DoesNotContain(findings, f => f.Item2 == "checkpoints/sd15/dreamshaper_8.safetensors");

            var adopted = await admin.PostAsync("admin/models/adopt/gpu-01", null);
            Assert.Equal(HttpStatusCode.OK, adopted.StatusCode);
            var registry = JsonDocument.Parse(await admin.GetStringAsync("admin/models")).RootElement;
            Assert.Contains(registry.EnumerateArray(), m => m.GetProperty("identity").GetString() == "upscale_models/4x-UltraSharp.pth");
            // unsafe: never adopted
            Assert.DoesNotContain(registry.EnumerateArray(), m => m.GetProperty("identity").GetString() == "embeddings/free-prompts.pt");

            Assert.Equal(
                HttpStatusCode.BadRequest,
                (await admin.PutAsJsonAsync("admin/schedule", new { cron = "every tuesday" })).StatusCode
            );
            Assert.Equal(
                HttpStatusCode.OK,
                (await admin.PutAsJsonAsync("admin/schedule", new { cron = "*/5 * * * *", deep = true })).StatusCode
            );
            await MakeScheduleDueAsync(server);
            var fired = await Task.WhenAll(Tick(server), Tick(replica), Tick(server), Tick(replica));
            Assert.Equal(1, fired.Count(f => f));
            Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // the scheduled scan reached the agent
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // once

            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("openapi/v1.json")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client(null).GetAsync("openapi/v1.json")).StatusCode);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_job_survives_its_server_dying_and_its_result_reaches_another_replica()
    {
        // Two replicas on one database (for SQLite, a file outside either replica's data folder).
        var database = await DatabaseAsync() ?? Path.Combine(Path.GetTempPath(), $"cdshared-{Guid.NewGuid():N}.db");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow); // one clock for both replicas, as NTP gives a farm
        var first = await TestServer.StartAsync(database, configure: o => o with { Time = clock });
        await using var second = await TestServer.StartAsync(database, configure: o => o with { Time = clock });
        using var anonymous = first.Client(null);
        var credential = (
            await (
                await anonymous.PostAsJsonAsync(
                    "agent/v1/enroll",
                    new
                    {
                        name = "w1",
                        tags = Array.Empty<string>(),
                        enrollToken = TestServer.EnrollToken,
                    }
                )
            ).Content.ReadFromJsonAsync<JsonElement>()
        ).GetProperty("credential").GetString();
        using (var admin = first.Admin())
        {
            await admin.PostAsJsonAsync("admin/integrity-scan", new { });
        }

        using (var agentOnFirst = first.Client(credential))
        {
            Assert.Equal(HttpStatusCode.OK, (await agentOnFirst.GetAsync("agent/v1/jobs/next")).StatusCode);
        }

        await first.DisposeAsync(); // the replica that handed out the job dies; the agent dies with its lease
        clock.Advance(TimeSpan.FromMinutes(11));

        using var agent = second.Client(credential);
        var again = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next");
        var inventory = new Core.Inventory.WorkerInventory(
            "w1",
            DateTimeOffset.UtcNow,
            [],
            [],
            [],
            Core.Inventory.EnvironmentFacts.Unknown
        );
        var posted = await agent.PostAsJsonAsync(
            $"agent/v1/jobs/{again.GetProperty("id").GetString()}/result",
            new { inventory },
            Core.Reports.ReportJson.Options
        );
        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);

        using var secondAdmin = second.Admin();
        var report = JsonDocument.Parse(await secondAdmin.GetStringAsync("admin/integrity-report/w1")).RootElement;
        Assert.Equal("done", report.GetProperty("status").GetString());
        var job = await secondAdmin.GetFromJsonAsync<JsonElement>($"admin/jobs/{again.GetProperty("id").GetString()}");
        Assert.Equal(2, job.GetProperty("attempts").GetInt32()); // offered twice, stored once
        Assert.Equal(
            HttpStatusCode.NotFound,
            (
                await agent.PostAsJsonAsync(
                    $"agent/v1/jobs/{again.GetProperty("id").GetString()}/result",
                    new { inventory },
                    Core.Reports.ReportJson.Options
                )
            ).StatusCode
        );
    }

    [Fact]
    public async Task Agents_split_between_two_replicas_complete_a_scan_of_all_workers()
    {
        var database = await DatabaseAsync() ?? Path.Combine(Path.GetTempPath(), $"cdshared-{Guid.NewGuid():N}.db");
        await using var first = await TestServer.StartAsync(database);
        await using var second = await TestServer.StartAsync(database);
        var work = Path.Combine(Path.GetTempPath(), "cdsplit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var agents = new[]
            {
                first.Agent("a", demo.ComfyUiRoot, Path.Combine(work, "a")),
                second.Agent("b", demo.ComfyUiRoot, Path.Combine(work, "b")),
                first.Agent("c", demo.ComfyUiRoot, Path.Combine(work, "c")),
                second.Agent("d", demo.ComfyUiRoot, Path.Combine(work, "d")),
            };
            foreach (var agent in agents)
            {
                await agent.PollOnceAsync(CancellationToken.None); // enroll
            }

            using var admin = first.Admin();
            var started = JsonDocument
                .Parse(await (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).Content.ReadAsStringAsync())
                .RootElement;
            Assert.Equal(4, started.GetArrayLength());
            Assert.All(await Task.WhenAll(agents.Select(a => a.PollOnceAsync(CancellationToken.None))), Assert.True);

            using var otherAdmin = second.Admin();
            var workers = JsonDocument.Parse(await otherAdmin.GetStringAsync("admin/workers")).RootElement;
            Assert.All(workers.EnumerateArray(), w => Assert.Equal("done", w.GetProperty("lastScanStatus").GetString()));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<bool> Tick(TestServer server) =>
        server.App.Services.GetRequiredService<Schedule.Scheduler>().TickAsync(CancellationToken.None);

    private static async Task MakeScheduleDueAsync(TestServer server)
    {
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
        await db.Schedules.ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRun, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000));
    }
}

public sealed class SqliteScanFlowTests : ScanFlowContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresScanFlowTests(Postgres postgres) : ScanFlowContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
