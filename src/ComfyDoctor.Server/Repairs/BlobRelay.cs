using System.Collections.Concurrent;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Meeting points of relayed blob transfers on this replica: a peer's download waits here for the reference agent's
/// upload, then the upload's body is copied to the download's response as it arrives — never buffered whole. When the
/// upload reaches another replica (PostgreSQL, behind a balancer), the bytes pass through the database instead
/// (<see cref="SharedRelay"/>).
/// </summary>
public sealed class BlobRelay
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>An upload: its body, the blob's full length, and a signal the download sets when it has copied everything.</summary>
    public sealed record Upload(Stream Body, long Length, long TotalLength, TaskCompletionSource Finished);

    public sealed class Slot(string relayId, string fromWorkerId)
    {
        public string RelayId { get; } = relayId;

        public string FromWorkerId { get; } = fromWorkerId;

        public TaskCompletionSource<Upload> Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Slot Open(string fromWorkerId)
    {
        var slot = new Slot(Guid.NewGuid().ToString("N"), fromWorkerId);
        _slots[slot.RelayId] = slot;
        return slot;
    }

    public void Close(Slot slot) => _slots.TryRemove(slot.RelayId, out _);

    /// <summary>The waiting slot of this relay id, if it is the uploading worker's.</summary>
    public Slot? Find(string relayId, string workerId) =>
        _slots.TryGetValue(relayId, out var slot) && slot.FromWorkerId == workerId ? slot : null;
}
