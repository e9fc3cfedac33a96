using System.Buffers;
using System.Security.Cryptography;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Hashes and writes a download's chunks in a pipeline: while chunk N is hashed (on another core) and written, chunk N+1 is
/// received into the other of two pooled buffers. A transfer then runs at the speed of its slowest stage instead of the sum
/// of the three — the hash no longer slows the network read. Chunks are hashed and written strictly in order.
/// </summary>
internal sealed class HashingWriter(IncrementalHash sha, Func<ReadOnlyMemory<byte>, CancellationToken, Task> write, int bufferSize) : IAsyncDisposable
{
    private readonly byte[][] _buffers = [ArrayPool<byte>.Shared.Rent(bufferSize), ArrayPool<byte>.Shared.Rent(bufferSize)];
    private Task _pending = Task.CompletedTask;
    private int _free;

    /// <summary>The buffer to receive the next chunk into: not the one being hashed and written.</summary>
    public Memory<byte> Buffer => _buffers[_free].AsMemory(0, bufferSize);

    /// <summary>Waits for the previous chunk, then starts hashing and writing the first <paramref name="count"/> bytes of <see cref="Buffer"/>.</summary>
    public async Task WriteAsync(int count, CancellationToken ct)
    {
        await _pending;
        var chunk = _buffers[_free].AsMemory(0, count);
        _pending = Task.WhenAll(Task.Run(() => sha.AppendData(chunk.Span), ct), write(chunk, ct));
        _free ^= 1;
    }

    /// <summary>Every chunk hashed and written; their first failure is thrown here.</summary>
    public Task CompleteAsync() => _pending;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _pending; // the buffers go back to the pool only when nothing uses them
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // already reported by CompleteAsync or superseded by the failure that ended the transfer
        }

        foreach (var buffer in _buffers)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
