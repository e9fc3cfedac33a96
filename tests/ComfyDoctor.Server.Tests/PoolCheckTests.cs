using ComfyDoctor.Server.Store;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Replicas size their PostgreSQL pools against the real cluster the tests start (max_connections 100, 3 reserved): a pool too
/// large for the replicas seen is capped, with a log line that says what to set; a second replica's start makes the first shrink
/// to its share, so that together they fit.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PoolCheckTests(Postgres postgres)
{
    [Fact]
    public async Task A_replica_with_the_default_pool_is_capped_to_what_the_cluster_holds_and_says_what_to_set()
    {
        var log = new CapturedLog();
        await using var server = await StartAsync(await PooledAsync(), log);
        var (pool, budget) = Sizing(server);

        Assert.Equal(100, budget.MaxConnections); // read from the cluster, not assumed
        Assert.Equal(1, budget.Replicas);
        Assert.Equal(100, pool.Configured); // Npgsql's default
        Assert.Equal(budget.Share, pool.MaxPoolSize);
        Assert.True(pool.MaxPoolSize + PoolBudget.ListeningConnections <= budget.Usable);
        Assert.Contains($"database pool capped from Maximum Pool Size=100 to {pool.MaxPoolSize}", log.Text, StringComparison.Ordinal);
        Assert.Contains($"set Maximum Pool Size={pool.MaxPoolSize} in --database on every replica", log.Text, StringComparison.Ordinal);
        Assert.Contains(pool.ApplicationName, await ApplicationNamesAsync(pool), StringComparer.Ordinal); // what other replicas count
    }

    [Fact]
    public async Task A_second_replica_makes_the_first_shrink_so_that_both_fit()
    {
        var database = await PooledAsync();
        await using var first = await StartAsync(database);
        var alone = first.App.Services.GetRequiredService<DatabasePool>().MaxPoolSize;
        var log = new CapturedLog();
        await using var second = await StartAsync(database, log);
        var (secondPool, secondBudget) = Sizing(second);
        Assert.Equal(2, secondBudget.Replicas);
        Assert.Equal(secondBudget.Share, secondPool.MaxPoolSize);

        // the first replica checks again when the second one's wake-up reaches it (PostgreSQL NOTIFY)
        var firstPool = first.App.Services.GetRequiredService<DatabasePool>();
        for (var i = 0; i < 600 && firstPool.MaxPoolSize == alone; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(firstPool.MaxPoolSize < alone, $"the first replica kept its pool of {alone}");
        Assert.Equal(2, Sizing(first).Budget.Replicas);
        Assert.True(
            firstPool.MaxPoolSize + secondPool.MaxPoolSize + (2 * PoolBudget.ListeningConnections) <= secondBudget.Usable,
            $"pools {firstPool.MaxPoolSize} + {secondPool.MaxPoolSize} do not fit {secondBudget.Usable}"
        );

        // and the first replica still serves from its new pool
        using var admin = first.Admin();
        (await admin.GetAsync("admin/workers")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_pool_that_fits_is_kept_as_given()
    {
        await using var server = await StartAsync(await PooledAsync() + ";Maximum Pool Size=10");
        var (pool, _) = Sizing(server);
        Assert.Equal(10, pool.Configured);
        Assert.Equal(10, pool.MaxPoolSize);
    }

    private async Task<string> PooledAsync() => (await postgres.NewDatabaseAsync()).Replace(";Pooling=false", "", StringComparison.Ordinal);

    private static Task<TestServer> StartAsync(string database, CapturedLog? log = null) =>
        TestServer.StartAsync(database, logging: log is null ? null : log.Configure);

    private static (DatabasePool Pool, PoolBudget Budget) Sizing(TestServer server) =>
        (server.App.Services.GetRequiredService<DatabasePool>(), server.App.Services.GetRequiredService<PoolCheck>().Last!);

    private static async Task<List<string>> ApplicationNamesAsync(DatabasePool pool)
    {
        await using var connection = new NpgsqlConnection(pool.Unpooled());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT application_name FROM pg_stat_activity", connection);
        await using var rows = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await rows.ReadAsync())
        {
            names.Add(rows.IsDBNull(0) ? "" : rows.GetString(0));
        }

        return names;
    }
}
