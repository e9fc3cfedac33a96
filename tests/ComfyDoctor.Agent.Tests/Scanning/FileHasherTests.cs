using System.Security.Cryptography;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Scanning;

/// <summary>The scanner's hashing, on both of its paths: small files hashed in turn, large ones read ahead by a thread of their
/// own.</summary>
public sealed class FileHasherTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FileHasher.BufferSize + 1)]
    [InlineData(FileHasher.ReadAheadFrom - 1)] // the last size hashed in turn
    [InlineData(FileHasher.ReadAheadFrom)] // the first read ahead
    [InlineData((3 * FileHasher.ReadAheadFrom) + 12_345)]
    public void Every_size_hashes_to_the_files_sha256_and_counts_each_byte_once(long size)
    {
        using var dir = new TempDir();
        var content = new byte[size];
        new Random((int)size).NextBytes(content);
        var path = dir.Write("models/checkpoints/m.safetensors", content);
        var hasher = new FileHasher();
        long reported = 0;

        var sha = hasher.Hash(path, count => reported += count, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), sha);
        Assert.Equal(size, hasher.BytesRead);
        Assert.Equal(size, reported);
    }

    [Fact]
    public void Cancelling_a_large_file_mid_hash_stops_the_read_ahead_and_throws()
    {
        using var dir = new TempDir();
        var path = dir.Write("models/checkpoints/big.safetensors", new byte[4 * FileHasher.ReadAheadFrom]);
        using var cancel = new CancellationTokenSource();
        var hasher = new FileHasher();

        Assert.ThrowsAny<OperationCanceledException>(() => hasher.Hash(path, _ => cancel.Cancel(), cancel.Token));

        Assert.InRange(hasher.BytesRead, 1, (4 * FileHasher.ReadAheadFrom) - 1);
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
            new FileHasher().Hash(path, null, CancellationToken.None)
        );
        Assert.DoesNotContain(path, OpenFiles()); // the reader stopped and the file was closed before the hash returned
    }

    private static List<string> OpenFiles() =>
        Directory.GetFiles("/proc/self/fd").Select(fd => new FileInfo(fd).LinkTarget).OfType<string>().ToList();
}
