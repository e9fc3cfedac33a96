using System.Diagnostics;
using ComfyDoctor.Server.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// A waiting poll costs the store nothing: it looks at its worker's jobs once, then waits for a signal — a job queued on this
/// replica, or on another one (PostgreSQL <c>NOTIFY</c>) — or for the end of the lease it knows of, with no query between
/// (counted by the server's <see cref="CommandCounter"/>). Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class JobWakeContract
{
    protected static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(30);

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_waiting_poll_sends_no_SQL_until_a_job_exists_for_its_worker()
    {
        await using var server = await StartAsync(await DatabaseAsync(), TimeSpan.FromMinutes(10));
        using var agent = await server.EnrolledAsync("w1");
        using var other = await server.EnrolledAsync("w2");
        var commands = server.App.Services.GetRequiredService<CommandCounter>();

        var poll = agent.GetAsync("agent/v1/jobs/next");
        var otherPoll = other.GetAsync("agent/v1/jobs/next");
        await Task.Delay(1500); // both polls took their look and wait
        var before = commands.Count;
        await Task.Delay(3000);
        Assert.Equal(before, commands.Count); // two waiting polls, three seconds: not one SQL command
        Assert.False(poll.IsCompleted);

        using var admin = server.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "w1" } })).EnsureSuccessStatusCode();
        using var response = await poll;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(commands.Count > before); // the counter does count: queuing and claiming the job are commands
        Assert.False(otherPoll.IsCompleted); // w2 has no job: its poll was not woken
    }

    [Fact]
    public async Task A_replica_holding_all_the_polls_it_may_answers_503_with_a_retry_after()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o =>
            o with
            {
                LongPoll = LongPoll,
                MaxWaitingPolls = 1,
            }
        );
        using var agent = await server.EnrolledAsync("w1");
        using var other = await server.EnrolledAsync("w2");
        var waiting = agent.GetAsync("agent/v1/jobs/next");
        await Task.Delay(500);

        using var shed = await other.GetAsync("agent/v1/jobs/next");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.InRange(shed.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 5, 20);
        Assert.Equal(
            "urn:comfydoctor:problem:server-busy",
            (await shed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString()
        );
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task A_poll_waiting_is_offered_its_job_again_when_the_lease_runs_out()
    {
        await using var server = await StartAsync(await DatabaseAsync(), TimeSpan.FromSeconds(1));
        using var agent = await server.EnrolledAsync("w1");
        using var admin = server.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        var first = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // the agent dies holding it

        var clock = Stopwatch.StartNew();
        var again = await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next"); // waits: the lease still runs

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.True(clock.Elapsed < LongPoll / 3, $"the job came back after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    protected static Task<TestServer> StartAsync(string? database, TimeSpan lease) =>
        TestServer.StartAsync(database, lease, configure: o => o with { LongPoll = LongPoll, SchedulerTick = TimeSpan.FromHours(1) });
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

    [Fact]
    public async Task A_poll_waiting_on_one_replica_is_woken_by_a_job_queued_on_another_without_querying_meanwhile()
    {
        var database = await DatabaseAsync();
        await using var queuing = await StartAsync(database, TimeSpan.FromMinutes(10));
        await using var polled = await StartAsync(database, TimeSpan.FromMinutes(10));
        using var agent = await polled.EnrolledAsync("w1");
        var commands = polled.App.Services.GetRequiredService<CommandCounter>();

        var clock = Stopwatch.StartNew();
        var poll = agent.GetAsync("agent/v1/jobs/next");
        await Task.Delay(1500); // the poll is waiting on its replica
        var before = commands.Count;
        await Task.Delay(2000);
        Assert.Equal(before, commands.Count);
        using var admin = queuing.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();

        using var response = await poll;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed < LongPoll / 3, $"the job reached the poll after {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
