using System.Globalization;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// How many pooled connections one replica may hold so that every replica on the PostgreSQL cluster fits its
/// <c>max_connections</c>: what the cluster leaves (its limit less the slots reserved for superusers and the other clients
/// connected now) shared equally among the replicas seen, less the <see cref="ListeningConnections"/> each replica also keeps
/// open. A replica whose pool is larger is capped to that share, never refused: a replica that refused to start because a dead
/// host's connections still show in <c>pg_stat_activity</c> would turn a leftover into an outage.
/// </summary>
/// <param name="MaxConnections">The cluster's <c>max_connections</c>.</param>
/// <param name="Reserved"><c>superuser_reserved_connections</c> plus <c>reserved_connections</c> (PostgreSQL 16+).</param>
/// <param name="OtherClients">Client connections that are not ComfyDoctor replicas' (psql, monitoring, other applications).</param>
/// <param name="Replicas">The replicas connected, this one included.</param>
public sealed record PoolBudget(int MaxConnections, int Reserved, int OtherClients, int Replicas)
{
    /// <summary>The wake-up listener's connection and the connection that sends wake-ups (<c>Transport/ReplicaListener</c>).</summary>
    public const int ListeningConnections = 2;

    /// <summary>The smallest pool a replica is given, however full the cluster is (said as an error in the log).</summary>
    public const int MinimumPool = 4;

    /// <summary>Connections the replicas may share.</summary>
    public int Usable => MaxConnections - Reserved - OtherClients;

    /// <summary>The largest pool each replica may hold.</summary>
    public int Share => (Usable / Math.Max(1, Replicas)) - ListeningConnections;

    /// <summary>The pool this replica gets for a configured <c>Maximum Pool Size</c>.</summary>
    public int PoolFor(int configured) => Math.Max(MinimumPool, Math.Min(configured, Share));

    /// <summary>The <c>max_connections</c> that would let every replica hold <paramref name="pool"/>.</summary>
    public int MaxConnectionsFor(int pool) => Reserved + OtherClients + (Replicas * (pool + ListeningConnections));

    /// <summary>What the check found and decided, for the log: precise numbers and what to set.</summary>
    public string Explain(int configured)
    {
        var pool = PoolFor(configured);
        var room = string.Create(
            CultureInfo.InvariantCulture,
            $"PostgreSQL's max_connections {MaxConnections} − {Reserved} reserved − {OtherClients} other client connection(s) leaves "
                + $"{Usable} for {Replicas} ComfyDoctor replica(s), each holding its pool + {ListeningConnections} listening connections"
        );
        if (Share < MinimumPool)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"database pool: {room}: not even {MinimumPool} each; using Maximum Pool Size={pool} — raise max_connections to at least "
                    + $"{MaxConnectionsFor(MinimumPool)}, or run fewer replicas"
            );
        }

        return pool < configured
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"database pool capped from Maximum Pool Size={configured} to {pool}: {room}; set Maximum Pool Size={pool} in --database "
                    + $"on every replica, or raise max_connections to {MaxConnectionsFor(configured)} for pools of {configured}"
            )
            : string.Create(CultureInfo.InvariantCulture, $"database pool: Maximum Pool Size={configured} fits: {room} (at most {Share})");
    }
}
