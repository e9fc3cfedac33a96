using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Store;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// A scan wakes every waiting poll of a replica at once (5,000 each with 10,000 agents on two replicas, issue 20). The woken
/// polls look and claim in the replica's few turns at the store (<see cref="PollAdmission"/>) instead of all at once on the
/// connection pool, where the last of them used to fail with "the connection pool has been exhausted" (a 500). Every agent
/// still gets its own job, and the connections held open at once stay at the turns (<see cref="OpenConnections"/>).
/// </summary>
public abstract class WokenPollsContract
{
    private const int Agents = 40;
    private const int Turns = 2;

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_scan_that_wakes_every_waiting_poll_hands_each_agent_its_job_through_a_few_connections()
    {
        var limit = TimeSpan.FromMinutes(3);
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o =>
            o with
            {
                MaxPollStarts = Turns,
                LongPoll = TimeSpan.FromMinutes(2),
                SchedulerTick = TimeSpan.FromHours(1),
            }
        );
        var admission = server.App.Services.GetRequiredService<PollAdmission>();
        var agents = new List<HttpClient>();
        var polls = new List<Task<HttpResponseMessage>>();
        try
        {
            for (var i = 0; i < Agents; i++)
            {
                agents.Add(await server.EnrolledAsync($"w{i:00}", limit));
                polls.Add(agents[i].GetAsync("agent/v1/jobs/next"));
                while (admission.Waiting < i + 1 || admission.Looking > 0) // one poll after the other past its first look
                {
                    await Task.Delay(10);
                }
            }

            var connections = server.App.Services.GetRequiredService<OpenConnections>();
            connections.ResetPeak();
            using (var admin = server.Admin())
            {
                (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            }

            var jobs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var poll in polls)
            {
                using var answer = await poll;
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                var job = await answer.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("scan", job.GetProperty("kind").GetString());
                Assert.True(jobs.Add(job.GetProperty("id").GetString()!));
            }

            // the scan's own request may still hold its connection while the first woken polls look
            Assert.True(connections.Peak <= Turns + 1, $"{connections.Peak} store connections were open at once");
        }
        finally
        {
            agents.ForEach(a => a.Dispose());
        }
    }
}

public sealed class SqliteWokenPollsTests : WokenPollsContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresWokenPollsTests(Postgres postgres) : WokenPollsContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
