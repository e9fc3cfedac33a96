using System.Globalization;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// /healthz, /readyz and /metrics on a real server, the metrics compared with what the database holds during a fleet scan;
/// run once on SQLite and once on PostgreSQL. Alone in their collection: the exporter listens to every meter named
/// ComfyDoctor in the process, so no other test's server may run beside them.
/// </summary>
public abstract class OperationsContract
{
    private const string MetricsToken = "test-metrics-token-0123456789";

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Health_and_readiness_answer_without_a_token_and_say_nothing_more()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var anonymous = server.Client(null);
        Assert.Equal("ok", await anonymous.GetStringAsync("healthz"));
        Assert.Equal("ok", await anonymous.GetStringAsync("readyz"));

        // A migration this build ships is missing from the database: not ready, and no detail for an anonymous caller.
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            await scope
                .ServiceProvider.GetRequiredService<ComfyDoctorDb>()
                .Database.ExecuteSqlRawAsync("DELETE FROM schema_version WHERE version = 4");
        }

        var notReady = await anonymous.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("not ready", await notReady.Content.ReadAsStringAsync());
        Assert.Equal("ok", await anonymous.GetStringAsync("healthz"));

        // The database gone (its schema table dropped): not ready either.
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>().Database.ExecuteSqlRawAsync("DROP TABLE schema_version");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("readyz")).StatusCode);
    }

    [Fact]
    public async Task Metrics_need_the_admin_or_the_metrics_token_and_the_metrics_token_opens_nothing_else()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o => o with { MetricsToken = MetricsToken });
        using var anonymous = server.Client(null);
        using var metrics = server.Client(MetricsToken);
        using var admin = server.Admin();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await metrics.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await metrics.GetAsync("admin/workers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await metrics.PostAsJsonAsync("admin/integrity-scan", new { })).StatusCode);
    }

    [Fact]
    public async Task Metrics_scraped_during_a_fleet_scan_match_the_database()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdmetrics-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            using var admin = server.Admin();
            Assert.Equal(
                HttpStatusCode.OK,
                (await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))).StatusCode
            );
            var agents = new[] { "gpu-01", "gpu-02", "gpu-03" }
                .Select(n => server.Agent(n, demo.ComfyUiRoot, Path.Combine(work, n)))
                .ToList();
            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            }

            var before = await ScrapeAsync(admin);
            Assert.Equal(3, before[Key("comfydoctor_workers", ("category", "models"), ("light", "unknown"))]);
            Assert.InRange(before["comfydoctor_db_connections_open"], 0, 10); // the scrape's own reads at most
            Assert.True(before["comfydoctor_db_commands_total"] > 0);
            await AssertMatchesDatabaseAsync(server, before, scansStored: 0);

            Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).StatusCode);
            Assert.True(await agents[0].PollOnceAsync(CancellationToken.None)); // one worker has answered, two have not: mid-scan
            var during = await ScrapeAsync(admin);
            Assert.Equal(1, during[Key("comfydoctor_workers", ("category", "models"), ("light", "red"))]);
            Assert.Equal(2, during[Key("comfydoctor_workers", ("category", "models"), ("light", "unknown"))]);
            Assert.Equal(2, during[Key("comfydoctor_jobs", ("kind", "scan"), ("state", "queued"))]);
            await AssertMatchesDatabaseAsync(server, during, scansStored: 1);

            foreach (var agent in agents.Skip(1))
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            var after = await ScrapeAsync(admin);
            Assert.Equal(3, after[Key("comfydoctor_workers", ("category", "models"), ("light", "red"))]);
            await AssertMatchesDatabaseAsync(server, after, scansStored: 3);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every figure of the scrape against the same figure counted in the store.</summary>
    private static async Task AssertMatchesDatabaseAsync(TestServer server, Dictionary<string, double> scraped, int scansStored)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        Assert.Equal(await db.Audit.CountAsync(), scraped[Key("comfydoctor_audit_records")]);
        var workers = await db.Workers.CountAsync();
        Assert.Equal(workers, scraped[Key("comfydoctor_agents", ("state", "online"))]);
        Assert.Equal(0, scraped[Key("comfydoctor_agents", ("state", "offline"))]);
        foreach (var category in new[] { "models", "nodes", "disk", "runtime" })
        {
            Assert.Equal(
                workers,
                scraped
                    .Where(m =>
                        m.Key.StartsWith("comfydoctor_workers{", StringComparison.Ordinal)
                        && m.Key.Contains($"category=\"{category}\"", StringComparison.Ordinal)
                    )
                    .Sum(m => m.Value)
            );
        }

        var jobs = await db
            .Jobs.GroupBy(j => new { j.Kind, j.Status })
            .Select(g => new
            {
                g.Key.Kind,
                g.Key.Status,
                Count = g.Count(),
            })
            .ToListAsync();
        Assert.Equal(jobs.Count, scraped.Count(m => m.Key.StartsWith("comfydoctor_jobs{", StringComparison.Ordinal)));
        foreach (var job in jobs)
        {
            Assert.Equal(job.Count, scraped[Key("comfydoctor_jobs", ("kind", job.Kind), ("state", job.Status))]);
        }

        Assert.Equal(await db.Scans.CountAsync(s => s.Status == JobStatus.Done), scansStored);
        Assert.Equal(scansStored, scraped.GetValueOrDefault(Key("comfydoctor_scan_duration_seconds_count")));
    }

    /// <summary>The scrape as "name{label="value",...}" → value, labels sorted by name.</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient admin)
    {
        var response = await admin.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        var samples = new Dictionary<string, double>();
        foreach (
            var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !l.StartsWith('#') && !l.StartsWith("target_info", StringComparison.Ordinal))
        )
        {
            var space = line.LastIndexOf(' ');
            var (series, value) = (line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
            Assert.True(series.StartsWith("comfydoctor_", StringComparison.Ordinal), text);
            var brace = series.IndexOf('{', StringComparison.Ordinal);
            var labels =
                brace < 0
                    ? []
                    : series[(brace + 1)..^1]
                        .Split(',', StringSplitOptions.RemoveEmptyEntries)
                        .Select(l => (l[..l.IndexOf('=', StringComparison.Ordinal)], l[(l.IndexOf('=', StringComparison.Ordinal) + 2)..^1]))
                        .Where(l => !l.Item1.StartsWith("otel_", StringComparison.Ordinal))
                        .ToArray(); // the exporter's scope labels
            samples[Key(brace < 0 ? series : series[..brace], labels)] = value;
        }

        Assert.True(samples.Count > 0, text);
        return samples;
    }

    private static string Key(string name, params (string Name, string Value)[] labels) =>
        labels.Length == 0
            ? name
            : $"{name}{{{string.Join(',', labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\""))}}}";
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OperationsCollection : ICollectionFixture<Postgres>
{
    public const string Name = "operations";
}

[Collection(OperationsCollection.Name)]
public sealed class SqliteOperationsTests : OperationsContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(OperationsCollection.Name)]
public sealed class PostgresOperationsTests(Postgres postgres) : OperationsContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
