namespace ComfyDoctor.Server.Store;

/// <summary>
/// SQLite by default (a file under the data folder); a PostgreSQL connection string selects PostgreSQL. On both, a list
/// in a query (<c>ids.Contains(x.Id)</c>) is bound as one parameter (a JSON array read by <c>json_each</c> on SQLite, an
/// array on PostgreSQL), not as one parameter per element (EF Core 10's default): a list of 33,000 names or hashes must not
/// meet SQLite's limit of 32,766 variables (issue 16.5).
/// </summary>
public static class StoreConfiguration
{
    public static bool IsPostgres(string? database) =>
        database is not null
        && (
            database.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            || database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase)
        );

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
        return source is "" or ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? null
            : Path.GetFullPath(source);
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string? database, string dataDir)
    {
        if (IsPostgres(database))
        {
            options.UseNpgsql(database, o => o.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter));
        }
        else
        {
            var file = database ?? DefaultSqliteFile(dataDir);
            options
                .UseSqlite(file.Contains('=', StringComparison.Ordinal) ? file : $"Data Source={file};Pooling=True;Default Timeout=30", o =>
                    o.UseParameterizedCollectionMode(ParameterTranslationMode.Parameter)
                )
                .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(30)));
        }

        return options;
    }
}
