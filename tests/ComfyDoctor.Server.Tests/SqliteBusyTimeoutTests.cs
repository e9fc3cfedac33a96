using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>The server's SQLite connections let SQLite wait for a locked database itself (docs/benchmarks.md, section 5).</summary>
public sealed class SqliteBusyTimeoutTests
{
    [Fact]
    public async Task Every_sqlite_connection_waits_for_the_lock_inside_sqlite()
    {
        await using var server = await TestServer.StartAsync();
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();

        var timeout = await db.Database.SqlQueryRaw<long>("SELECT timeout AS \"Value\" FROM pragma_busy_timeout").SingleAsync();

        Assert.Equal(30_000, timeout);
    }

    [Fact]
    public async Task A_writer_waits_for_another_connections_write_lock_instead_of_failing()
    {
        await using var server = await TestServer.StartAsync();
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection(db.Database.GetConnectionString());
        await holder.OpenAsync();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE"; // another process holding the write lock
            await begin.ExecuteNonQueryAsync();
        }

        var write = Task.Run(() => db.Database.ExecuteSqlRawAsync("UPDATE workers SET last_seen_at = 1")); // SQLite runs it synchronously
        await Task.Delay(300);
        Assert.False(write.IsCompleted); // waiting for the lock, not failed with "database is locked"
        await using (var commit = holder.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }

        await write;
    }
}
