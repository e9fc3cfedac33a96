using Npgsql;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// The connection string this replica's store uses now. On PostgreSQL every connection of the replica carries the application
/// name <c>comfydoctor/REPLICA</c>, so each replica can count the others in <c>pg_stat_activity</c> (<see cref="PoolCheck"/>),
/// and its pool's <c>Maximum Pool Size</c> is the one the check allows (<see cref="Resize"/>: a new pool; the old one's idle
/// connections are closed at once, its busy ones when they come back). Elsewhere (SQLite) it is the configured string as given.
/// Disposed with the server: the pool's idle connections are closed then, not left to count as a live replica.
/// </summary>
public sealed class DatabasePool : IDisposable
{
    /// <summary>The start of every replica's application name.</summary>
    public const string ApplicationPrefix = "comfydoctor/";

    private readonly Lock _resizing = new();
    private string? _current;

    public DatabasePool(ServerOptions options)
    {
        _current = options.Database;
        if (!StoreConfiguration.IsPostgres(options.Database))
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(options.Database) { ApplicationName = ApplicationName };
        Pooled = builder.Pooling;
        Configured = builder.MaxPoolSize;
        MaxPoolSize = builder.MaxPoolSize;
        _current = builder.ConnectionString;
    }

    /// <summary>This replica's id among the replicas on one database (also the sender of its wake-ups).</summary>
    public string Replica { get; } = Guid.NewGuid().ToString("N")[..12];

    public string ApplicationName => ApplicationPrefix + Replica;

    /// <summary>PostgreSQL with a connection pool (<c>Pooling=false</c> opens a connection per use: nothing to size).</summary>
    public bool Pooled { get; }

    /// <summary>The <c>Maximum Pool Size</c> given (Npgsql's default 100 when none is).</summary>
    public int Configured { get; }

    /// <summary>The <c>Maximum Pool Size</c> in use now.</summary>
    public int MaxPoolSize { get; private set; }

    /// <summary>The store's connection string now (null: SQLite under the data folder).</summary>
    public string? ConnectionString => Volatile.Read(ref _current);

    /// <summary>A connection of this replica outside its pool (the wake-up listener and sender, the pool check).</summary>
    public string Unpooled(int? keepAlive = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        if (keepAlive is { } seconds)
        {
            builder.KeepAlive = seconds;
        }

        return builder.ConnectionString;
    }

    /// <summary>Uses a pool of <paramref name="size"/> from now on; false when it already is.</summary>
    public bool Resize(int size)
    {
        lock (_resizing)
        {
            if (size == MaxPoolSize)
            {
                return false;
            }

            var old = ConnectionString;
            var builder = new NpgsqlConnectionStringBuilder(old) { MaxPoolSize = size };
            builder.MinPoolSize = Math.Min(builder.MinPoolSize, size);
            Volatile.Write(ref _current, builder.ConnectionString);
            MaxPoolSize = size;
            using var previous = new NpgsqlConnection(old);
            NpgsqlConnection.ClearPool(previous);
            return true;
        }
    }

    public void Dispose()
    {
        if (Pooled)
        {
            using var current = new NpgsqlConnection(ConnectionString);
            NpgsqlConnection.ClearPool(current);
        }
    }
}
