using ComfyDoctor.Server.Store;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// What an idle agent's poll renewal (every 40–50 s) costs the store (<see cref="CommandCounter"/>): its first poll authenticates
/// (one query), marks the worker seen and looks at its jobs; a renewal does not authenticate again (the credential is remembered,
/// <see cref="Security.AgentCredentials"/>) and, on PostgreSQL, does not look again either when no wake-up came for the worker
/// since its empty look (<see cref="Jobs.QuietWorkers"/>); SQLite looks. A job queued meanwhile, on another replica too, is found.
/// </summary>
public abstract class PollRenewalContract
{
    protected abstract Task<string?> DatabaseAsync();

    /// <summary>SQL commands of a renewed poll with nothing new.</summary>
    protected abstract int RenewalCommands { get; }

    [Fact]
    public async Task A_renewed_poll_neither_authenticates_nor_marks_again_and_an_unknown_token_is_still_refused()
    {
        await using var server = await QuickPollsAsync(await DatabaseAsync());
        using var agent = await server.EnrolledAsync("w1");
        var commands = server.App.Services.GetRequiredService<CommandCounter>();

        var before = commands.Count;
        Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);
        var first = commands.Count - before;
        var renewal = int.MaxValue;
        for (var i = 0; i < 3; i++) // the least of three: a background task's query (start-up) can only add
        {
            before = commands.Count;
            Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);
            renewal = Math.Min(renewal, (int)(commands.Count - before));
        }

        Assert.True(first >= 3, $"the first poll sent {first} commands"); // who is it, seen now, any jobs
        Assert.Equal(RenewalCommands, renewal);

        // a job queued between two polls is found by the next one
        using var admin = server.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);

        using var stranger = server.Client("a-credential-nobody-was-given-0000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("agent/v1/jobs/next")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("agent/v1/jobs/next")).StatusCode);
    }

    /// <summary>A server whose polls end after 240–300 ms (the scheduler out of the way).</summary>
    protected static Task<TestServer> QuickPollsAsync(string? database) =>
        TestServer.StartAsync(database, configure: o =>
            o with
            {
                LongPoll = TimeSpan.FromMilliseconds(300),
                SchedulerTick = TimeSpan.FromHours(1),
            }
        );
}

public sealed class SqlitePollRenewalTests : PollRenewalContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);

    protected override int RenewalCommands => 1; // any jobs? (another process on the file would not wake this one)
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPollRenewalTests(Postgres postgres) : PollRenewalContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();

    protected override int RenewalCommands => 0;

    [Fact]
    public async Task A_quiet_worker_still_gets_a_job_queued_on_another_replica_between_its_polls()
    {
        var database = await DatabaseAsync();
        await using var queuing = await TestServer.StartAsync(database, configure: o => o with { SchedulerTick = TimeSpan.FromHours(1) });
        await using var polled = await QuickPollsAsync(database);
        using var agent = await polled.EnrolledAsync("w1");
        var commands = polled.App.Services.GetRequiredService<CommandCounter>();
        Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);
        var before = commands.Count;
        Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync("agent/v1/jobs/next")).StatusCode);
        Assert.Equal(before, commands.Count); // quiet: no look

        using var admin = queuing.Admin(); // no poll waits on either replica now
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        using var next = await agent.GetAsync("agent/v1/jobs/next");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
