using ComfyDoctor.Server.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Sizes this replica's PostgreSQL pool against the cluster (<see cref="PoolBudget"/>): at start, before the first query of the
/// store, then whenever another replica starts (its <see cref="Key"/> wake-up) and every <see cref="Interval"/> (a replica that
/// stopped leaves room). One query of <c>pg_stat_activity</c> and the settings; the decision and its numbers go to the log,
/// a warning when the pool is capped, an error when the cluster cannot give even <see cref="PoolBudget.MinimumPool"/>.
/// Nothing on SQLite or with <c>Pooling=false</c>. A failed check keeps the pool as it is (the store reports the outage).
/// </summary>
public sealed partial class PoolCheck(DatabasePool pool, ReplicaSignals signals, ILogger<PoolCheck> log) : BackgroundService
{
    /// <summary>The wake-up a starting replica publishes: every replica checks its pool again.</summary>
    public const string Key = "pool:check";

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private const string Query = """
        SELECT current_setting('max_connections')::int,
               current_setting('superuser_reserved_connections')::int
                 + coalesce(current_setting('reserved_connections', true)::int, 0),
               (SELECT count(*)::int FROM pg_stat_activity
                 WHERE backend_type = 'client backend' AND coalesce(application_name, '') NOT LIKE 'comfydoctor/%'),
               (SELECT count(DISTINCT application_name)::int FROM pg_stat_activity
                 WHERE application_name LIKE 'comfydoctor/%' AND application_name <> @me)
        """;

    /// <summary>The budget this replica was last sized by (null: not checked).</summary>
    public PoolBudget? Last { get; private set; }

    /// <summary>Checks once at start, then tells the other replicas to check again (they now share with this one).</summary>
    public async Task StartAsync()
    {
        await CheckAsync(CancellationToken.None);
        signals.Publish(Key);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!pool.Pooled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var another = signals.Next(Key);
            await Task.WhenAny(another, Task.Delay(Interval, stoppingToken));
            if (!stoppingToken.IsCancellationRequested)
            {
                await CheckAsync(stoppingToken);
            }
        }
    }

    /// <summary>Reads the cluster's limits and the replicas connected, and sizes the pool.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        if (!pool.Pooled)
        {
            return;
        }

        PoolBudget budget;
        try
        {
            await using var connection = new NpgsqlConnection(pool.Unpooled());
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(Query, connection);
            command.Parameters.AddWithValue("me", pool.ApplicationName);
            await using var row = await command.ExecuteReaderAsync(ct);
            await row.ReadAsync(ct);
            budget = new PoolBudget(row.GetInt32(0), row.GetInt32(1), row.GetInt32(2), row.GetInt32(3) + 1);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is NpgsqlException or IOException or TimeoutException)
        {
            NotChecked(log, e.Message, pool.MaxPoolSize);
            return;
        }

        Last = budget;
        var size = budget.PoolFor(pool.Configured);
        var changed = pool.Resize(size);
        var explained = budget.Explain(pool.Configured);
        if (budget.Share < PoolBudget.MinimumPool)
        {
            Full(log, explained);
        }
        else if (size < pool.Configured && changed)
        {
            Capped(log, explained);
        }
        else
        {
            Fits(log, explained);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Decision}")]
    private static partial void Capped(ILogger log, string decision);

    [LoggerMessage(2, LogLevel.Error, "{Decision}")]
    private static partial void Full(ILogger log, string decision);

    [LoggerMessage(3, LogLevel.Information, "{Decision}")]
    private static partial void Fits(ILogger log, string decision);

    [LoggerMessage(4, LogLevel.Warning, "database pool not checked ({Reason}); keeping Maximum Pool Size={Size}")]
    private static partial void NotChecked(ILogger log, string reason, int size);
}
