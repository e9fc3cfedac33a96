namespace ComfyDoctor.Server.Tests;

/// <summary>Issue 9, case 6: repairs of one worker requested at the same moment through two server replicas on one
/// database: exactly one is queued, every other is refused with the reason and audited — on SQLite and on PostgreSQL. The
/// worker was never scanned, so the one queued is its scan first (it holds the worker's repair slot all the same).</summary>
public abstract class ConcurrentRepairContract
{
    private const int Rounds = 8;
    private const int RequestsPerRound = 4;

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Simultaneous_repairs_of_one_worker_queue_one_and_refuse_the_rest()
    {
        var database = await DatabaseAsync() ?? Path.Combine(Path.GetTempPath(), $"cdrepairs-{Guid.NewGuid():N}.db");
        await using var one = await TestServer.StartAsync(database);
        await using var two = await TestServer.StartAsync(database);
        var agent = one.Agent("gpu-01", Path.GetTempPath(), Path.Combine(one.DataDir, "agent"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled
        using var adminOne = one.Admin();
        using var adminTwo = two.Admin();
        var (accepted, refused) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            var answers = await Task.WhenAll(
                Enumerable
                    .Range(0, RequestsPerRound)
                    .Select(i =>
                        (i % 2 == 0 ? adminOne : adminTwo).PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
                    )
            );
            var won = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).ToList();
            Assert.Single(won);
            Assert.All(answers.Except(won), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
            accepted += won.Count;
            refused += answers.Length - won.Count;

            // The queued one is cancelled, so the next round finds the worker free again.
            var job = (await won[0].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs")[0].GetProperty("jobId").GetString();
            Assert.Equal(HttpStatusCode.OK, (await adminOne.PostAsync($"admin/jobs/{job}/cancel", null)).StatusCode);
        }

        var audit = (await adminOne.GetFromJsonAsync<JsonElement>("admin/audit?size=500"))
            .EnumerateArray()
            .Where(a => a.GetProperty("action").GetString() == "repair.request")
            .Select(a => a.GetProperty("outcome").GetString()!)
            .ToList();
        Assert.Equal(Rounds, audit.Count(o => o.Contains("queued as repair", StringComparison.Ordinal)));
        Assert.Equal(Rounds * (RequestsPerRound - 1), audit.Count(o => o.StartsWith("refused: ", StringComparison.Ordinal)));
        Assert.True((await adminTwo.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());
        Console.WriteLine(
            $"RELIABILITY concurrent-repairs ({GetType().Name}): replicas=2 rounds={Rounds} requests={Rounds * RequestsPerRound} "
                + $"queued={accepted} refused={refused} double-queued=0"
        );
    }
}

public sealed class SqliteConcurrentRepairTests : ConcurrentRepairContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresConcurrentRepairTests(Postgres postgres) : ConcurrentRepairContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
