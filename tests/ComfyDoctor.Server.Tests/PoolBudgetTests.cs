using ComfyDoctor.Server.Store;

namespace ComfyDoctor.Server.Tests;

/// <summary>The arithmetic of <see cref="PoolBudget"/>: every replica's pool plus its listening connections fits what the
/// cluster leaves.</summary>
public sealed class PoolBudgetTests
{
    [Theory]
    [InlineData(100, 3, 0, 1, 100, 95)] // one replica, Npgsql's default pool: capped
    [InlineData(100, 3, 0, 2, 100, 46)] // two replicas share 97
    [InlineData(100, 3, 0, 2, 45, 45)] // fleet.sh's 90 / 2: fits
    [InlineData(100, 3, 7, 2, 100, 43)] // other clients take their part
    [InlineData(500, 3, 0, 10, 100, 47)]
    [InlineData(20, 3, 0, 5, 100, 4)] // no room: the minimum, said as an error
    public void Each_replica_gets_at_most_its_share(int max, int reserved, int others, int replicas, int configured, int expected)
    {
        var budget = new PoolBudget(max, reserved, others, replicas);
        Assert.Equal(expected, budget.PoolFor(configured));
        if (budget.Share >= PoolBudget.MinimumPool)
        {
            Assert.True(replicas * (expected + PoolBudget.ListeningConnections) <= max - reserved - others);
        }
    }

    [Fact]
    public void The_explanation_gives_the_numbers_and_what_to_set()
    {
        var budget = new PoolBudget(100, 3, 1, 2);
        Assert.Equal(
            "database pool capped from Maximum Pool Size=100 to 46: PostgreSQL's max_connections 100 − 3 reserved − 1 other client "
                + "connection(s) leaves 96 for 2 ComfyDoctor replica(s), each holding its pool + 2 listening connections; set Maximum "
                + "Pool Size=46 in --database on every replica, or raise max_connections to 208 for pools of 100",
            budget.Explain(100)
        );
        Assert.StartsWith("database pool: Maximum Pool Size=40 fits", budget.Explain(40), StringComparison.Ordinal);
        Assert.Contains("raise max_connections to at least 15", new PoolBudget(10, 3, 0, 2).Explain(100), StringComparison.Ordinal);
    }
}
