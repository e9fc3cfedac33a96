using System.Buffers;
using System.Security.Cryptography;

namespace ComfyDoctor.Agent.Hashing;

/// <summary>
/// Streams a file through SHA-256 in large sequential reads; memory use is one buffer, whatever the file size.
/// Counts every byte it reads, so tests and benchmarks can prove when the cache spared a read.
/// </summary>
public sealed class FileHasher
{
    public const int BufferSize = 1 << 20;
    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public string Hash(string path, Action<long>? onBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
            int read;
            while ((read = stream.Read(buffer, 0, BufferSize)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, read);
                Interlocked.Add(ref _bytesRead, read);
                onBytes?.Invoke(read);
            }

            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
