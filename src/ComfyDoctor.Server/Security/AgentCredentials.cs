using System.Collections.Concurrent;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// The agents this replica recognised lately, by the SHA-256 of their credential: a waiting agent renews its long poll every
/// 40–50 s, and each renewal was one query for the same answer (the profile of an idle replica: a tenth of its CPU). A
/// credential is never changed or taken back (a worker row keeps its credential hash, id and name for its whole life), so a
/// remembered answer stays true; it is still asked again after <see cref="Lifetime"/>, so a worker row removed by hand stops
/// authenticating within that time. Only known credentials are remembered: an unknown token is looked up every time (no
/// cache to fill with guesses), and the whole memory is dropped when it holds <see cref="MaxEntries"/>.
/// </summary>
public sealed class AgentCredentials(ServerOptions options)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _known = new(StringComparer.Ordinal);

    /// <summary>The worker this credential hash belongs to, if it was recognised within <see cref="Lifetime"/>.</summary>
    public (string Id, string Name)? Find(string credentialHash)
    {
        if (!_known.TryGetValue(credentialHash, out var entry))
        {
            return null;
        }

        if (options.Time.GetUtcNow() < entry.Until)
        {
            return (entry.Id, entry.Name);
        }

        _known.TryRemove(KeyValuePair.Create(credentialHash, entry));
        return null;
    }

    /// <summary>Remembers a credential the store recognised.</summary>
    public void Remember(string credentialHash, string id, string name)
    {
        if (_known.Count >= MaxEntries)
        {
            _known.Clear();
        }

        _known[credentialHash] = new Entry(id, name, options.Time.GetUtcNow() + Lifetime);
    }

    private sealed record Entry(string Id, string Name, DateTimeOffset Until);
}
