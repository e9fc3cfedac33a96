using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComfyDoctor.Server.Transport;

/// <summary>
/// The wake-ups between replicas on one PostgreSQL database: one dedicated connection per replica <c>LISTEN</c>s on <see
/// cref="Channel"/> and waits (<c>NpgsqlConnection.WaitAsync</c>: no query runs while nothing happens), handing each
/// notification of another replica to <see cref="ReplicaSignals"/>; the keys this replica publishes are sent in batches, one
/// <c>pg_notify</c> round trip for all keys queued meanwhile (a scan of 1,000 workers: a handful of round trips). A lost
/// listening connection is reopened with jittered back-off, and every waiter here is then woken to look at the store once,
/// since notifications sent meanwhile are lost. On SQLite (one replica) it does nothing.
/// </summary>
public sealed partial class ReplicaListener(DatabasePool pool, ReplicaSignals signals, ILogger<ReplicaListener> log) : BackgroundService
{
    /// <summary>The PostgreSQL notification channel of the farm (one per database).</summary>
    public const string Channel = "comfydoctor_wake";

    private const int BatchSize = 500;

    /// <summary>Sent before each key, so a replica skips its own notifications (it woke its waiters when it published).</summary>
    private readonly string _replica = pool.Replica;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        signals.Shared ? Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken)) : Task.CompletedTask;

    private NpgsqlConnection Connection() => new(pool.Unpooled(keepAlive: 30)); // named as this replica's (PoolCheck counts them)

    private async Task ListenAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = Connection();
                await connection.OpenAsync(stop);
                connection.Notification += (_, e) => Received(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }

                if (failures > 0)
                {
                    Listening(log);
                }

                failures = 0;
                signals.WakeAll(); // what was published while this replica did not listen is looked for once
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested && e is NpgsqlException or IOException or InvalidOperationException)
            {
                failures++;
                var wait = Backoff(failures);
                ListenLost(log, e.Message, wait.TotalSeconds);
                await Task.Delay(wait, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Received(string payload)
    {
        var bar = payload.IndexOf('|', StringComparison.Ordinal);
        if (bar > 0 && !payload.AsSpan(0, bar).SequenceEqual(_replica))
        {
            signals.Wake(payload[(bar + 1)..]);
        }
    }

    /// <summary>Sends the published keys on one connection kept open between batches. A batch that could not be sent is sent
    /// again, after a jittered back-off, on a new connection: a wake-up is late then, never lost (<see cref="Jobs.QuietWorkers"/>
    /// relies on it).</summary>
    private async Task SendAsync(CancellationToken stop)
    {
        var batch = new List<string>(BatchSize);
        NpgsqlConnection? connection = null;
        var failures = 0;
        try
        {
            while (batch.Count > 0 || await signals.Outgoing.WaitToReadAsync(stop))
            {
                while (batch.Count < BatchSize && signals.Outgoing.TryRead(out var key))
                {
                    batch.Add(_replica + "|" + key);
                }

                try
                {
                    if (connection is null)
                    {
                        connection = Connection();
                        await connection.OpenAsync(stop);
                    }

                    await using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', k) FROM unnest(@keys) AS k", connection);
                    notify.Parameters.AddWithValue("keys", batch.ToArray());
                    await notify.ExecuteNonQueryAsync(stop);
                    batch.Clear();
                    failures = 0;
                }
                catch (Exception e) when (!stop.IsCancellationRequested && e is NpgsqlException or IOException or InvalidOperationException)
                {
                    var wait = Backoff(++failures);
                    NotSent(log, batch.Count, e.Message, wait.TotalSeconds);
                    await (connection?.DisposeAsync() ?? ValueTask.CompletedTask);
                    connection = null;
                    await Task.Delay(wait, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            await (connection?.DisposeAsync() ?? ValueTask.CompletedTask);
        }
    }

    /// <summary>1, 2, 4 … 30 s, each between half and the whole of it, so replicas that lost the database together come back
    /// apart.</summary>
    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures - 1, 5))) * (0.5 + (Random.Shared.NextDouble() / 2)));

    [LoggerMessage(1, LogLevel.Warning, "listening for other replicas' wake-ups failed ({Reason}); retrying in {DelaySeconds:0.#} s")]
    private static partial void ListenLost(ILogger log, string reason, double delaySeconds);

    [LoggerMessage(2, LogLevel.Information, "listening for other replicas' wake-ups again")]
    private static partial void Listening(ILogger log);

    [LoggerMessage(
        3,
        LogLevel.Warning,
        "{Count} wake-ups not sent to the other replicas yet ({Reason}); sending them again in {DelaySeconds:0.#} s"
    )]
    private static partial void NotSent(ILogger log, int count, string reason, double delaySeconds);
}
