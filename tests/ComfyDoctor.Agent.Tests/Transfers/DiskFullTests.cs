using System.Security.Cryptography;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Tests.Transfers;

/// <summary>Issue 9, case 4: the disk fills up during a transfer (after the up-front check passed), on a real 4 MiB tmpfs.</summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task Disk_full_mid_write_removes_the_partial_keeps_the_old_file_and_says_so()
    {
        var model = RandomNumberGenerator.GetBytes(3_000_000);
        await using var server = await ModelServer.StartAsync(model);
        using var dir = new TempDir();
        using var volume = Tmpfs.Mount(dir.Combine("volume"), "4m");
        var old = "old model bytes"u8.ToArray();
        var destination = Path.Combine(volume.Path, "models", "loras", "x.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await File.WriteAllBytesAsync(destination, old);
        var target = new TransferTarget(destination, Convert.ToHexStringLower(SHA256.HashData(model)), model.Length);
        Assert.True(volume.Free > model.Length, "the up-front check must pass");

        // Once the first bytes are written, another writer takes the rest of the volume.
        var filler = Path.Combine(volume.Path, "filler");
        var (filled, at) = (0L, 0L);
        var progress = new SynchronousProgress(p =>
        {
            if (filled == 0 && p.Bytes > 0)
            {
                (filled, at) = (Fill(filler), p.Bytes);
            }
        });
        var e = await Assert.ThrowsAsync<TransferException>(() =>
            new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30), spaceMargin: 0).DownloadAsync(
                server.For("good"),
                target,
                new Quarantine(dir.Combine("quarantine"), TimeSpan.FromDays(1)),
                progress,
                CancellationToken.None
            )
        );

        Assert.True(filled > 0);
        Assert.Contains("disk full while writing", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing was replaced", e.Message, StringComparison.Ordinal);
        Assert.Equal(old, await File.ReadAllBytesAsync(destination));
        Assert.Equal(["x.safetensors"], Directory.GetFiles(Path.GetDirectoryName(destination)!).Select(Path.GetFileName));
        File.Delete(filler);
        Console.WriteLine(
            $"RELIABILITY disk-full: faults=1 (volume filled after {at:N0} of {model.Length:N0} bytes) partial-left=0 "
                + "old-file-kept=1 bytes-lost=0"
        );
    }

    /// <summary>Writes until the volume is full; returns the bytes written.</summary>
    private static long Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var chunk = new byte[64 << 10];
        var written = 0L;
        try
        {
            while (true)
            {
                file.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    private sealed class SynchronousProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
