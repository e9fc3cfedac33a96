using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using Microsoft.Extensions.Time.Testing;

namespace ComfyDoctor.Server.Tests;

/// <summary>The real agent against a server that goes away and comes back (same database, same address): no result is
/// lost, no job is run twice, and a refused agent says why. Run on SQLite and on PostgreSQL.</summary>
public abstract class AgentResilienceContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_result_finished_while_the_server_restarts_is_delivered_to_the_restarted_server()
    {
        var database = await DatabaseAsync() ?? SharedSqliteFile();
        var url = TestServer.FreeUrl();
        var server = await TestServer.StartAsync(database, url: url);
        TestServer? restarted = null;
        var work = TempFolder("cdrestart-");
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var restart = new RestartOnFirstResult(server.DisposeAsync, async () =>
                restarted = await TestServer.StartAsync(database, url: url)
            );
            var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent"), restart);
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolls
            using (var admin = server.Admin())
            {
                Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).StatusCode);
            }

            Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // scans; the server restarts before the result arrives

            Assert.True(restart.Failed, "the first delivery should have met a stopped server");
            using var after = restarted!.Admin();
            var report = JsonDocument.Parse(await after.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.Equal("done", report.GetProperty("status").GetString());
            Assert.Contains(report.GetProperty("findings").EnumerateArray(), f => f.GetProperty("code").GetString() == "model.unsafe");
            var scan = await after.GetFromJsonAsync<JsonElement>($"admin/scans/{report.GetProperty("scanId").GetString()}");
            var job = await after.GetFromJsonAsync<JsonElement>($"admin/jobs/{scan.GetProperty("jobId").GetString()}");
            Assert.Equal(1, job.GetProperty("attempts").GetInt32()); // delivered, not re-offered and re-run
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task An_agent_started_before_its_server_enrolls_once_the_server_is_up_and_runs_its_scan()
    {
        var database = await DatabaseAsync();
        var url = TestServer.FreeUrl();
        var work = TempFolder("cdlate-");
        using var stop = new CancellationTokenSource();
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var agent = TestServer.Agent(new Uri(url + "/"), "late", demo.ComfyUiRoot, Path.Combine(work, "agent"));
            var running = agent.RunAsync(stop.Token); // nothing listens yet: the agent backs off and retries

            await using var server = await TestServer.StartAsync(database, url: url);
            using var admin = server.Admin();
            await WaitUntilAsync(async () => (await admin.GetFromJsonAsync<JsonElement>("admin/workers")).GetArrayLength() == 1);
            await admin.PostAsJsonAsync("admin/integrity-scan", new { });
            await WaitUntilAsync(async () =>
                JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/late")).RootElement.GetProperty("status").GetString()
                == "done"
            );

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task An_agent_whose_credential_the_server_does_not_know_stops_with_the_file_to_delete()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = TempFolder("cdcred-");
        try
        {
            var data = Path.Combine(work, "agent");
            Directory.CreateDirectory(data);
            await File.WriteAllTextAsync(Path.Combine(data, "agent-credential"), "a-credential-from-another-server");
            var agent = server.Agent("stale", work, data);

            var refused = await Assert.ThrowsAsync<AgentRefusedException>(() => agent.RunAsync(CancellationToken.None));

            Assert.Contains(Path.Combine(data, "agent-credential"), refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_job_whose_agent_dies_every_time_fails_after_the_last_attempt_with_its_reason()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // the default 10-minute lease, on the test's clock
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o =>
            o with
            {
                MaxAttempts = 2,
                Time = clock,
            }
        );
        using var anonymous = server.Client(null);
        var enrolled = await (
            await anonymous.PostAsJsonAsync(
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
        using var admin = server.Admin();
        await admin.PostAsJsonAsync("admin/integrity-scan", new { });

        var id = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();
        clock.Advance(TimeSpan.FromMinutes(11)); // the agent dies holding the job…
        Assert.Equal(id, (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString());
        clock.Advance(TimeSpan.FromMinutes(11)); // …and again

        Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);
        var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("no result after 2 attempts", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            "failed",
            JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/w1")).RootElement.GetProperty("status").GetString()
        );
    }

    private static string SharedSqliteFile() => Path.Combine(Path.GetTempPath(), $"cdshared-{Guid.NewGuid():N}.db");

    private static string TempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("condition not met within a minute");
    }

    /// <summary>Stops the server when the agent first delivers a result, lets that delivery fail against the stopped server,
    /// then starts a new server on the same address and database before the agent retries.</summary>
    private sealed class RestartOnFirstResult(Func<ValueTask> stop, Func<Task> start) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _results;

        public bool Failed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!request.RequestUri!.AbsolutePath.EndsWith("/result", StringComparison.Ordinal) || Interlocked.Increment(ref _results) != 1)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            await stop();
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                Failed = true;
                await start();
                throw;
            }
        }
    }
}

public sealed class SqliteAgentResilienceTests : AgentResilienceContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAgentResilienceTests(Postgres postgres) : AgentResilienceContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
