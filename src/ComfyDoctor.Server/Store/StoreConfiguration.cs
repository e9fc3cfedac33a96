using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Store;

/// <summary>SQLite by default (a file under the data folder); a PostgreSQL connection string selects PostgreSQL.</summary>
public static class StoreConfiguration
{
    public static bool IsPostgres(string? database) =>
        database is not null && (database.Contains("Host=", StringComparison.OrdinalIgnoreCase)
                                 || database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase));

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string? database, string dataDir)
    {
        if (IsPostgres(database))
        {
            options.UseNpgsql(database);
        }
        else
        {
            var file = database ?? Path.Combine(dataDir, "comfydoctor.db");
            options.UseSqlite(file.Contains('=', StringComparison.Ordinal) ? file : $"Data Source={file};Pooling=True;Default Timeout=30")
                .AddInterceptors(new SqliteBusyTimeout(TimeSpan.FromSeconds(30)));
        }

        return options;
    }
}
