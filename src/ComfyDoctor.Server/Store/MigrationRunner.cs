using System.Reflection;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Applies the numbered SQL scripts of the store's provider (embedded <c>Store/Migrations/&lt;Provider&gt;/NNN_name.sql</c>)
/// that the database has not seen, each in its own transaction with its row in <c>schema_version</c>. On PostgreSQL an
/// advisory lock makes replicas that start together apply each script once. A SQLite file is switched to write-ahead logging.
/// </summary>
public static class MigrationRunner
{
    private const long AdvisoryLockKey = 0x436F6D6679446F63; // "ComfyDoc"

    public static async Task<IReadOnlyList<int>> ApplyAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var provider = db.Database.IsNpgsql() ? "Postgres" : "Sqlite";
        if (provider == "Sqlite")
        {
            // Write-ahead log: readers (every waiting long poll) no longer block a writer's commit, nor it them; without it a
            // fleet's burst of claims and results queues on the file lock (1,000 agents: 106 s to the last report, 15 s with).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL", ct);
        }

        await db.Database.ExecuteSqlRawAsync(
            provider == "Postgres"
                ? "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
            ct
        );

        var applied = new List<int>();
        foreach (var (version, sql) in Scripts(provider))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (provider == "Postgres")
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", ct);
            }

            var seen = await db
                .Database.SqlQueryRaw<int>("SELECT version AS \"Value\" FROM schema_version WHERE version = {0}", version)
                .AnyAsync(ct);
            if (!seen)
            {
                await db.Database.ExecuteSqlRawAsync(sql, ct);
                await db.Database.ExecuteSqlRawAsync(
                    "INSERT INTO schema_version (version, applied_at) VALUES ({0}, {1})",
                    [version, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()],
                    ct
                );
                applied.Add(version);
            }

            await transaction.CommitAsync(ct);
        }

        return applied;
    }

    /// <summary>The versions this build ships that the database has not applied (for /readyz); throws when the database does not
    /// answer.</summary>
    public static async Task<IReadOnlyList<int>> MissingAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var applied = await db.Database.SqlQueryRaw<int>("SELECT version AS \"Value\" FROM schema_version").ToListAsync(ct);
        return [.. Scripts(db.Database.IsNpgsql() ? "Postgres" : "Sqlite").Select(s => s.Version).Except(applied)];
    }

    private static IEnumerable<(int Version, string Sql)> Scripts(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"ComfyDoctor.Server.Store.Migrations.{provider}.";
        foreach (
            var name in assembly
                .GetManifestResourceNames()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
        )
        {
            var file = name[prefix.Length..];
            var version = int.Parse(
                file[..file.IndexOf('_', StringComparison.Ordinal)].TrimStart('_'),
                System.Globalization.CultureInfo.InvariantCulture
            );
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (version, reader.ReadToEnd());
        }
    }
}
