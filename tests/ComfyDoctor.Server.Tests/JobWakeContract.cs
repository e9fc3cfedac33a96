using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Waiting polls do not query the jobs table themselves: one sweep per replica wakes them. A job queued on another replica,
/// or one whose lease ran out while its worker waits on a poll, still reaches that poll within the sweep interval, long
/// before the poll's own deadline. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class JobWakeContract
{
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(30);

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_poll_waiting_on_one_replica_is_woken_by_a_job_queued_on_another()
    {
        var database = await DatabaseAsync() ?? Path.Combine(Path.GetTempPath(), $"cdwake-{Guid.NewGuid():N}.db");
        await using var queuing = await StartAsync(database, TimeSpan.FromMinutes(10));
        await using var polled = await StartAsync(database, TimeSpan.FromMinutes(10));
        using var agent = await EnrollAsync(polled, "w1");

        var clock = Stopwatch.StartNew();
        var poll = agent.GetAsync("agent/v1/jobs/next");
        await Task.Delay(700); // the poll is waiting on its replica
        using var admin = queuing.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();

        using var response = await poll;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed < LongPoll / 3, $"the job reached the poll after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_poll_waiting_is_offered_its_job_again_when_the_lease_runs_out()
    {
        await using var server = await StartAsync(await DatabaseAsync(), TimeSpan.FromSeconds(1));
        using var agent = await EnrollAsync(server, "w1");
        using var admin = server.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        var first = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // the agent dies holding it

        var clock = Stopwatch.StartNew();
        var again = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // waits: the lease still runs

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.True(clock.Elapsed < LongPoll / 3, $"the job came back after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    protected static Task<TestServer> StartAsync(string? database, TimeSpan lease) =>
        TestServer.StartAsync(database, lease, configure: o => o with { LongPoll = LongPoll, JobRecheck = TimeSpan.FromMilliseconds(200) });

    private static async Task<HttpClient> EnrollAsync(TestServer server, string name)
    {
        using var anonymous = server.Client(null);
        var enrolled = await (
            await anonymous.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name,
                    tags = Array.Empty<string>(),
                    enrollToken = TestServer.EnrollToken,
                }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();
        var agent = server.Client(enrolled.GetProperty("credential").GetString());
        agent.Timeout = LongPoll * 2;
        return agent;
    }
}

public sealed class SqliteJobWakeTests : JobWakeContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);

    [Fact]
    public async Task The_sqlite_file_is_in_write_ahead_log_mode()
    {
        await using var server = await StartAsync(null, TimeSpan.FromMinutes(10));
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "comfydoctor.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresJobWakeTests(Postgres postgres) : JobWakeContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
