using System.Collections.Concurrent;
using ComfyDoctor.Server.Transport;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Workers whose last look at the store found no job at all, with the wake-up they were waiting for then. An idle agent renews
/// its poll every 40–50 s; when the wake-up it takes for the renewal is the very one of its last look, still not fired, no job
/// was queued or handed back for it since (every change that makes a job claimable publishes it, on any replica), so the
/// renewal waits without querying — the query was a fifth of an idle replica's CPU. Trusted only where every replica's changes
/// reach this one (<see cref="ReplicaSignals.Shared"/>, PostgreSQL: NOTIFY, and every waiter is woken after the listening
/// connection was lost), and for at most <see cref="MaxTrust"/> after the look, so even a wake-up lost otherwise costs a few
/// minutes, not a job. SQLite polls always look (two processes on one file do not signal each other).
/// </summary>
public sealed class QuietWorkers(ReplicaSignals signals)
{
    public static readonly TimeSpan MaxTrust = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (Task Wake, long At)> _quiet = new(StringComparer.Ordinal);

    /// <summary>Whether nothing can have changed for the worker since its last empty look, <paramref name="wake"/> being the
    /// wake-up its poll waits for now.</summary>
    public bool Unchanged(string workerId, Task wake) =>
        signals.Shared
        && !wake.IsCompleted
        && _quiet.TryGetValue(workerId, out var last)
        && ReferenceEquals(last.Wake, wake)
        && Environment.TickCount64 - last.At < (long)MaxTrust.TotalMilliseconds;

    /// <summary>Records a look: remembered when it found no job of any kind, forgotten otherwise.</summary>
    public void Looked(string workerId, Task wake, bool empty)
    {
        if (empty && signals.Shared)
        {
            _quiet[workerId] = (wake, Environment.TickCount64);
        }
        else
        {
            _quiet.TryRemove(workerId, out _);
        }
    }
}
