using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using ComfyDoctor.Agent.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace ComfyDoctor.Agent.Hashing;

/// <summary>
/// Streams a file through SHA-256 in large sequential reads; memory use is a few buffers, whatever the file size. A file
/// larger than <see cref="ReadAheadFrom"/> is read by a thread of its own a few buffers ahead of the hash, so the kernel's
/// side of reading (copying out of the page cache, filling it from the disk) runs on another core instead of between the
/// hash's blocks (docs/benchmarks.md, section 1b). Counts every byte it reads, so tests and benchmarks can prove when the
/// cache spared a read.
/// </summary>
public sealed class FileHasher
{
    public const int BufferSize = 1 << 20;

    /// <summary>Smaller files are read and hashed in turn on the calling thread: a thread of their own would cost more
    /// than it saves.</summary>
    public const long ReadAheadFrom = 8 * BufferSize;

    /// <summary>Buffers in flight for a large file: one being hashed, the others being filled.</summary>
    private const int Buffers = 3;

    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public string Hash(string path, Action<long>? onBytes, CancellationToken ct) => Hash(NativePath.Of(path), onBytes, ct);

    /// <summary>Opened by its bytes and only as a regular file (<see cref="NativeFile"/>).</summary>
    public string Hash(NativePath path, Action<long>? onBytes, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var handle = NativeFile.OpenRead(path, sequential: true);
        if (RandomAccess.GetLength(handle) >= ReadAheadFrom)
        {
            HashReadingAhead(handle, sha, onBytes, ct);
        }
        else
        {
            HashInTurn(handle, sha, onBytes, ct);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private void HashInTurn(SafeFileHandle handle, IncrementalHash sha, Action<long>? onBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                offset += read;
                Append(sha, buffer, read, onBytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void HashReadingAhead(SafeFileHandle handle, IncrementalHash sha, Action<long>? onBytes, CancellationToken ct)
    {
        using var free = new BlockingCollection<byte[]>(Buffers);
        using var filled = new BlockingCollection<(byte[] Buffer, int Count)>(Buffers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        for (var i = 0; i < Buffers; i++)
        {
            free.Add(ArrayPool<byte>.Shared.Rent(BufferSize), CancellationToken.None);
        }

        var reader = Task.Factory.StartNew(
            () => ReadAhead(handle, free, filled, stop.Token),
            stop.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default
        );
        try
        {
            foreach (var (buffer, count) in filled.GetConsumingEnumerable(ct))
            {
                Append(sha, buffer, count, onBytes);
                free.Add(buffer, ct);
            }

            reader.GetAwaiter().GetResult(); // the reader's failure (an unreadable block) is the hash's failure
        }
        finally
        {
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None); // no read may still fill a buffer when the buffers go back to the pool
            }
            catch (AggregateException)
            {
                // cancelled with the hash, or already thrown above
            }

            foreach (var buffer in free.Concat(filled.Select(f => f.Buffer)))
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void ReadAhead(
        SafeFileHandle handle,
        BlockingCollection<byte[]> free,
        BlockingCollection<(byte[] Buffer, int Count)> filled,
        CancellationToken ct
    )
    {
        try
        {
            long offset = 0;
            while (true)
            {
                var buffer = free.Take(ct);
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset);
                if (read == 0)
                {
                    free.Add(buffer, CancellationToken.None);
                    return;
                }

                offset += read;
                filled.Add((buffer, read), ct);
            }
        }
        finally
        {
            filled.CompleteAdding();
        }
    }

    private void Append(IncrementalHash sha, byte[] buffer, int count, Action<long>? onBytes)
    {
        sha.AppendData(buffer, 0, count);
        Interlocked.Add(ref _bytesRead, count);
        onBytes?.Invoke(count);
    }
}
