using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ComfyDoctor.Server.Transport;

/// <summary>
/// Wake-ups for waiting requests, keyed by what they wait for (<c>job:WORKER</c>, <c>relay:ID</c>). A waiter takes <see
/// cref="Next"/> BEFORE it looks at the store, so nothing committed in between is missed; a writer calls <see cref="Publish"/>
/// AFTER its change committed. Publish wakes this replica's waiters of the key at once and, when replicas share a PostgreSQL
/// database, is sent to every other replica as a <c>NOTIFY</c> by <see cref="ReplicaListener"/>, which wakes theirs. Nothing
/// here polls: a waiter costs a dictionary entry until it is woken or gives up.
/// </summary>
public sealed class ReplicaSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private readonly Channel<string> _outgoing = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="shared">Whether other replicas may be waiting too (PostgreSQL): then each key is also sent to them.</param>
    public ReplicaSignals(bool shared) => Shared = shared;

    public bool Shared { get; }

    /// <summary>Keys published here and not yet sent to the other replicas (read by <see cref="ReplicaListener"/>).</summary>
    internal ChannelReader<string> Outgoing => _outgoing.Reader;

    /// <summary>A task that completes at the next <see cref="Publish"/> of <paramref name="key"/> on any replica.</summary>
    public Task Next(string key) =>
        _waiting.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes the waiters of <paramref name="key"/> here and on every other replica.</summary>
    public void Publish(string key)
    {
        Wake(key);
        if (Shared)
        {
            _outgoing.Writer.TryWrite(key);
        }
    }

    /// <summary>Drops the entry of a key nobody will wait for again (a finished relay).</summary>
    public void Forget(string key) => _waiting.TryRemove(key, out _);

    /// <summary>Wakes this replica's waiters of the key (a notification from another replica).</summary>
    internal void Wake(string key)
    {
        if (_waiting.TryRemove(key, out var waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>Wakes every waiter here, so each looks at the store again: notifications may have been missed (the listening
    /// connection was lost and is back).</summary>
    internal void WakeAll()
    {
        foreach (var key in _waiting.Keys)
        {
            Wake(key);
        }
    }
}
