using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 16.5, fleet-sized inventories: a worker with 100,000 model files (a large shared store) is stored, shown a page at a
/// time (API and dashboard), compared with only its differences listed, and planned for — on SQLite and PostgreSQL. Before,
/// 33,000 models made the worker page answer 500 on SQLite ("too many SQL variables") and a comparison 77 MB of HTML.
/// Memory and timings are measured in bench/ (docs/benchmarks.md), not here.
/// </summary>
public abstract partial class FleetSizeContract
{
    private const int StoreSize = 100_000;

    /// <summary>
    /// How long one request of these tests may take: requests moving 100,000 models passed HttpClient's default 100 s on the
    /// shared 2-core machine under load; a request that hangs still fails the test, ten minutes later.
    /// </summary>
    private static readonly TimeSpan RequestLimit = TimeSpan.FromMinutes(10);

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_worker_with_100000_models_is_stored_and_served_a_page_at_a_time()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin(RequestLimit);
        // The registry knows the first 1,000 models; the worker holds model 7 corrupted and 99,000 the registry does not know.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models", new StringContent(RegistryJson(1_000)))).StatusCode);
        using var agent = await server.EnrolledAsync("store-01", RequestLimit);
        var scanId = await ScanAsync(admin, agent, "store-01", BigStore("store-01", corrupt: 7));

        var report = await admin.GetFromJsonAsync<JsonElement>("admin/integrity-report/store-01");
        Assert.Equal(scanId, report.GetProperty("scanId").GetString());
        var paging = report.GetProperty("paging");
        Assert.Equal(StoreSize, paging.GetProperty("models").GetProperty("total").GetInt32());
        Assert.Equal(1_000, report.GetProperty("inventory").GetProperty("models").GetArrayLength());
        var findings = paging.GetProperty("findings").GetProperty("total").GetInt32();
        Assert.InRange(findings, 1 + 99_000, 1 + 99_000 + 10); // the corrupted one, every unknown file, and the runtime's (not probed)
        Assert.Equal("model.corrupted", report.GetProperty("findings")[0].GetProperty("code").GetString());
        Assert.Equal("red", report.GetProperty("health").GetProperty("models").GetString());

        var last = await admin.GetFromJsonAsync<JsonElement>(
            $"admin/integrity-report/store-01?modelsOffset=99500&findingsOffset={findings - 2}&limit=1000"
        );
        var lastModels = last.GetProperty("inventory").GetProperty("models");
        Assert.Equal(500, lastModels.GetArrayLength());
        Assert.Equal(Identity(StoreSize - 1), lastModels[499].GetProperty("identity").GetString());
        Assert.Equal(2, last.GetProperty("findings").GetArrayLength());
        Assert.Equal(
            1_000,
            (await admin.GetFromJsonAsync<JsonElement>($"admin/scans/{scanId}"))
                .GetProperty("report")
                .GetProperty("inventory")
                .GetProperty("models")
                .GetArrayLength()
        );

        // The dashboard's worker page: 200 findings and 200 other files a page, the registry's hash beside each.
        var page = await admin.GetStringAsync("workers/store-01");
        Assert.Contains("100,000 files, 99,001 findings", page, StringComparison.Ordinal);
        Assert.Equal(400, RowCount(page));
        Assert.Contains($"data-model=\"{Identity(7)}\" data-code=\"model.corrupted\"", page, StringComparison.Ordinal);
        Assert.Contains($"data-model=\"{Identity(0)}\" data-code=\"ok\"", page, StringComparison.Ordinal);
        Assert.Contains("Page 1 of 496", page, StringComparison.Ordinal);
        var lastPage = await admin.GetStringAsync("workers/store-01?page=496");
        Assert.Contains($"data-model=\"{Identity(StoreSize - 1)}\"", lastPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/")).StatusCode); // the fleet page's summary reads two findings, not 99,001
        Assert.Contains("model.corrupted " + Identity(7), await admin.GetStringAsync("/"), StringComparison.Ordinal);

        // A repair plan reads this one worker's rows; the corrupted registry model is planned, nothing else.
        var plan = await admin.PostAsJsonAsync("admin/repair/store-01", new { actions = new[] { "sync-models" }, dryRun = true });
        Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
        Assert.Contains(Identity(7), await plan.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(
            HttpStatusCode.Accepted,
            (await admin.PostAsJsonAsync("admin/repair/store-01", new { actions = new[] { "sync-models" } })).StatusCode
        );
        Console.WriteLine(
            $"RELIABILITY fleet-size-store: store={Store} models={StoreSize} findings={findings} report-page-models=1000 "
                + $"worker-page-rows={RowCount(page)} worker-page-KiB={page.Length / 1024} pages=496 status-500=0"
        );
    }

    private string Store => GetType().Name.StartsWith("Postgres", StringComparison.Ordinal) ? "postgres" : "sqlite";

    [Fact]
    public async Task Two_100000_model_workers_compare_to_their_differences_alone_a_page_at_a_time()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin(RequestLimit);
        using var one = await server.EnrolledAsync("store-01", RequestLimit);
        using var two = await server.EnrolledAsync("store-02", RequestLimit);
        await ScanAsync(admin, one, "store-01", BigStore("store-01", corrupt: 7));
        var second = BigStore("store-02", corrupt: 99_998);
        await ScanAsync(admin, two, "store-02", second with { Models = [.. second.Models.Where(m => m.Identity != Identity(42))] });

        var compared = await admin.GetFromJsonAsync<JsonElement>("admin/compare?workers=store-01,store-02");
        var models = compared.GetProperty("models");
        Assert.Equal(StoreSize, models.GetProperty("identities").GetInt32());
        Assert.Equal(3, models.GetProperty("differing").GetInt32()); // 7 and 99,998 corrupted on one each, 42 absent on one
        var modelRows = compared
            .GetProperty("rows")
            .EnumerateArray()
            .Where(r => r.GetProperty("category").GetString() == "models")
            .Select(r => r.GetProperty("attribute").GetString())
            .ToList();
        Assert.Equal([Identity(7), Identity(42), Identity(99_998)], modelRows);

        var paged = await admin.GetFromJsonAsync<JsonElement>("admin/compare?workers=store-01,store-02&offset=1&limit=1");
        Assert.Equal(
            [Identity(42)],
            paged
                .GetProperty("rows")
                .EnumerateArray()
                .Where(r => r.GetProperty("category").GetString() == "models")
                .Select(r => r.GetProperty("attribute").GetString())
                .ToList()
        );

        var every = await admin.GetFromJsonAsync<JsonElement>("admin/compare?workers=store-01,store-02&all=true&offset=5&limit=10");
        Assert.Equal(
            Enumerable.Range(5, 10).Select(Identity),
            every
                .GetProperty("rows")
                .EnumerateArray()
                .Where(r => r.GetProperty("category").GetString() == "models")
                .Select(r => r.GetProperty("attribute").GetString())
        );

        var html = await admin.GetStringAsync("compare?w=store-01&w=store-02");
        Assert.InRange(html.Length, 1, 200_000);
        Assert.Contains("100,000 files compared, 3 differ", html, StringComparison.Ordinal);
        Assert.Contains($"data-attribute=\"{Identity(42)}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-attribute=\"{Identity(43)}\"", html, StringComparison.Ordinal);
        Console.WriteLine(
            $"RELIABILITY fleet-size-compare: store={Store} workers=2 models={StoreSize} each differing=3 "
                + $"model-rows-listed={modelRows.Count} compare-page-KiB={html.Length / 1024}"
        );
    }

    [Fact]
    public async Task Reports_stored_whole_before_migration_5_are_moved_into_rows()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin(RequestLimit);
        using var agent = await server.EnrolledAsync("w1", RequestLimit);
        var inventory = BigStore("w1", corrupt: 1) with { Models = [.. BigStore("w1", corrupt: 1).Models.Take(30)] };
        var scanId = await ScanAsync(admin, agent, "w1", inventory);
        var before = await admin.GetStringAsync("admin/integrity-report/w1");

        using (var scope = server.App.Services.CreateScope())
        {
            // Put the scan back as migration 004 left it: the whole report in results_json, no rows, no migration 5.
            var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
            var whole = JsonSerializer.Deserialize<WorkerReport>(before, ReportJson.Options)!;
            await db
                .Scans.Where(s => s.Id == scanId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.ResultsJson, ReportJson.Serialize(whole)));
            await db.Database.ExecuteSqlRawAsync(
                "DROP TABLE scan_models; DROP TABLE scan_findings; DELETE FROM schema_version WHERE version = 5"
            );
            Assert.Equal([5], await MigrationRunner.ApplyAsync(db, CancellationToken.None));
            Assert.Equal(30, await db.ScanModels.CountAsync(m => m.ScanId == scanId));
            Assert.DoesNotContain("\"identity\"", (await db.Scans.SingleAsync(s => s.Id == scanId)).ResultsJson!, StringComparison.Ordinal);
        }

        var after = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/w1")).RootElement;
        var original = JsonDocument.Parse(before).RootElement;
        Assert.Equal(
            original.GetProperty("inventory").GetProperty("models").ToString(),
            after.GetProperty("inventory").GetProperty("models").ToString()
        );
        Assert.Equal(original.GetProperty("findings").ToString(), after.GetProperty("findings").ToString());
    }

    internal static string Identity(int i) => $"checkpoints/store/model-{i:000000}.safetensors";

    internal static string Sha(int i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Identity(i))));

    /// <summary>A worker holding the 100,000 models of a shared store, one of them (<paramref name="corrupt"/>) with the wrong
    /// hash.</summary>
    internal static WorkerInventory BigStore(string worker, int corrupt) =>
        new(
            worker,
            DateTimeOffset.UtcNow,
            [new ModelRoot("checkpoints", "/store/checkpoints", "extra_model_paths.yaml")],
            [
                .. Enumerable
                    .Range(0, StoreSize)
                    .Select(i => new ModelFile(
                        Identity(i),
                        "/store/" + Identity(i),
                        2_000_000 + i,
                        DateTimeOffset.UnixEpoch,
                        i == corrupt ? Sha(i + 1) : Sha(i),
                        FormatCheck.Ok("safetensors")
                    )),
            ],
            [],
            EnvironmentFacts.Unknown
        );

    internal static string RegistryJson(int count) =>
        JsonSerializer.Serialize(
            new
            {
                models = Enumerable
                    .Range(0, count)
                    .Select(i => new
                    {
                        path = Identity(i),
                        sha256 = Sha(i),
                        size = 2_000_000 + i,
                    }),
            }
        );

    /// <summary>Queues a scan of the worker, claims it as its agent and posts the inventory; the scan's id.</summary>
    private static async Task<string> ScanAsync(HttpClient admin, HttpClient agent, string worker, WorkerInventory inventory)
    {
        var queued = await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { worker } });
        var scanId = (await queued.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("scanId").GetString()!;
        var job = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();
        var stored = await agent.PostAsJsonAsync($"agent/v1/jobs/{job}/result", new JobResultBody(inventory), ReportJson.Options);
        Assert.True(
            stored.StatusCode == HttpStatusCode.NoContent,
            $"{worker}: {stored.StatusCode} {await stored.Content.ReadAsStringAsync()}"
        );
        return scanId;
    }

    private static int RowCount(string html) => ModelRow().Count(html);

    [GeneratedRegex("<tr data-model=")]
    private static partial Regex ModelRow();

    private sealed record JobResultBody(WorkerInventory Inventory);
}

public sealed class SqliteFleetSizeTests : FleetSizeContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresFleetSizeTests(Postgres postgres) : FleetSizeContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
