using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Lets SQLite itself wait for a locked database (<c>PRAGMA busy_timeout</c>, set once on each SQLite connection handle, the
/// first time it is opened; the pool keeps the handle and its setting). Without
/// it Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms before trying again; SQLite's own handler retries
/// within milliseconds, so a writer gets the lock soon after it is free. Profiled: with 1,000 agents the 150 ms sleeps
/// were the largest wait in the server (docs/benchmarks.md, section 5).
/// </summary>
public sealed class SqliteBusyTimeout(TimeSpan timeout) : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA busy_timeout = {(long)timeout.TotalMilliseconds}";
    private readonly ConditionalWeakTable<object, object?> _configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (FirstOpen(connection))
        {
            using var command = Command(connection);
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(
        DbConnection connection,
        ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default
    )
    {
        if (FirstOpen(connection))
        {
            await using var command = Command(connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>True the first time this native handle is seen (a pooled connection reopened keeps its handle).</summary>
    private bool FirstOpen(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || _configured.TryAdd(handle, null);

    private DbCommand Command(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = _pragma;
        return command;
    }
}
