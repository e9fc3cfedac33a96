using System.Security.Cryptography;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Hashes and writes a download's blocks in a pipeline: while block N is hashed (on another core) and written, block N+1 is
/// received into the other of two aligned buffers. A transfer then runs at the speed of its slowest stage instead of the sum
/// of the three — the hash no longer slows the network read. Blocks are hashed and written strictly in order.
/// </summary>
internal sealed class HashingWriter(IncrementalHash sha, Func<ReadOnlyMemory<byte>, CancellationToken, Task> write, int blockSize)
    : IAsyncDisposable
{
    private readonly AlignedBlock[] _blocks = [new(blockSize), new(blockSize)];
    private Task _pending = Task.CompletedTask;
    private int _free;

    /// <summary>The buffer to receive the next block into: not the one being hashed and written.</summary>
    public Memory<byte> Buffer => _blocks[_free].Memory;

    /// <summary>Waits for the previous block, then starts hashing and writing the first <paramref name="count"/> bytes of
    /// <see cref="Buffer"/>.</summary>
    public async Task WriteAsync(int count, CancellationToken ct)
    {
        await _pending;
        var block = _blocks[_free].Memory[..count];
        _pending = Task.WhenAll(Task.Run(() => sha.AppendData(block.Span), ct), write(block, ct));
        _free ^= 1;
    }

    /// <summary>Every block hashed and written; their first failure is thrown here.</summary>
    public Task CompleteAsync() => _pending;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _pending; // nothing may still read a buffer when the transfer ends
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // already reported by CompleteAsync or superseded by the failure that ended the transfer
        }
    }
}
