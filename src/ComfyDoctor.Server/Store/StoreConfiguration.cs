using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Store;

/// <summary>SQLite by default (a file under the data folder); a PostgreSQL connection string selects PostgreSQL.</summary>
public static class StoreConfiguration
{
    public static bool IsPostgres(string? database) =>
        database is not null && (database.Contains("Host=", StringComparison.OrdinalIgnoreCase)
                                 || database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase));

    public static string DefaultSqliteFile(string dataDir) => Path.Combine(dataDir, "comfydoctor.db");

    /// <summary>The SQLite database file the server will open; null for PostgreSQL and in-memory databases.</summary>
    public static string? SqliteFile(string? database, string dataDir)
    {
        if (IsPostgres(database))
        {
            return null;
        }

        if (database is null || !database.Contains('=', StringComparison.Ordinal))
        {
            return Path.GetFullPath(database ?? DefaultSqliteFile(dataDir));
        }

        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database).DataSource;
        return source is "" or ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? null : Path.GetFullPath(source);
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string? database, string dataDir)
    {
        if (IsPostgres(database))
        {
            options.UseNpgsql(database);
        }
        else
        {
            var file = database ?? DefaultSqliteFile(dataDir);
            options.UseSqlite(file.Contains('=', StringComparison.Ordinal) ? file : $"Data Source={file};Pooling=True;Default Timeout=30")
                .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(30)));
        }

        return options;
    }
}
