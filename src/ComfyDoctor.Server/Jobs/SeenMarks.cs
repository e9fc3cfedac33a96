using System.Collections.Concurrent;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// When this replica last wrote each worker's <c>last_seen_at</c>: a poll writes it only when half of <see
/// cref="ServerOptions.OnlineWindow"/> has passed since, so an agent renewing its poll every 40–50 s costs one write per minute,
/// not one per poll, and still never looks offline (its mark is at most about the window's half plus one poll old).
/// </summary>
public sealed class SeenMarks(ServerOptions options)
{
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);

    /// <summary>Whether the worker's mark is due now; if so it counts as written at <paramref name="now"/>.</summary>
    public bool Due(string workerId, long now)
    {
        var half = (long)(options.OnlineWindow.TotalMilliseconds / 2);
        if (_written.TryGetValue(workerId, out var last) && now - last < half)
        {
            return false;
        }

        _written[workerId] = now;
        return true;
    }
}
