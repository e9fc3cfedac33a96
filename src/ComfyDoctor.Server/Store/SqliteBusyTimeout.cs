using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Lets SQLite itself wait for a locked database (<c>PRAGMA busy_timeout</c>, set on every connection as it opens). Without
/// it Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms before trying again; SQLite's own handler retries
/// within milliseconds, so a writer gets the lock soon after it is free. Profiled: with 1,000 agents the 150 ms sleeps
/// were the largest wait in the server (docs/benchmarks.md, section 5).
/// </summary>
public sealed class SqliteBusyTimeout(TimeSpan timeout) : DbConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA busy_timeout = {(long)timeout.TotalMilliseconds}";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = Command(connection);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand Command(DbConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = _pragma;
        return command;
    }
}
