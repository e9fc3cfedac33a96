using System.Security.Cryptography;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Tests.Transfers;

public sealed class VerifiedDownloaderTests
{
    private static readonly byte[] Model = RandomBytes(3_000_000);
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(Model));

    [Fact]
    public async Task Good_source_gives_the_verified_file_and_leaves_no_partial()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);

        await Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(Model, await File.ReadAllBytesAsync(target.Destination));
        Assert.False(File.Exists(VerifiedDownloader.PartialPath(target)));
    }

    [Theory]
    [InlineData(8 << 20)] // two whole 4 MiB blocks: written directly where the file system allows, nothing left over
    [InlineData((8 << 20) + 12_345)] // and an unaligned tail written through the page cache
    public async Task A_model_of_several_blocks_arrives_intact(int size)
    {
        var model = RandomBytes(size);
        await using var server = await ModelServer.StartAsync(model);
        using var dir = new TempDir();
        var target = new TransferTarget(
            dir.Combine("models", "checkpoints", "big.safetensors"),
            Convert.ToHexStringLower(SHA256.HashData(model)),
            size
        );

        await Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(model, await File.ReadAllBytesAsync(target.Destination));
    }

    [Fact]
    public async Task A_transfer_cut_in_its_second_block_keeps_every_byte_received_and_resumes_from_there()
    {
        var model = RandomBytes(10_000_000); // the cut comes after 5,000,000 bytes: one whole block and part of the next
        await using var server = await ModelServer.StartAsync(model);
        using var dir = new TempDir();
        var target = new TransferTarget(
            dir.Combine("models", "checkpoints", "big.safetensors"),
            Convert.ToHexStringLower(SHA256.HashData(model)),
            model.Length
        );

        var cut = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For("drop"), target, Quarantine(dir), null, CancellationToken.None)
        );
        Assert.True(cut.Resumable, cut.Message);
        Assert.Equal(5_000_000, new FileInfo(VerifiedDownloader.PartialPath(target)).Length);

        await Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(model, await File.ReadAllBytesAsync(target.Destination));
        Assert.Equal("bytes=5000000-", server.Ranges.Last());
    }

    [Theory]
    [InlineData("flipped", "SHA-256 of the download is")]
    [InlineData("short", "the server offers 1,500,000 bytes, the registry says 3,000,000")]
    public async Task Bad_source_never_replaces_the_file_in_place(string path, string expected)
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);
        dir.Write("models/loras/x.safetensors", "old bytes"u8.ToArray());

        var e = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For(path), target, Quarantine(dir), null, CancellationToken.None)
        );

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal("old bytes"u8.ToArray(), await File.ReadAllBytesAsync(target.Destination));
        Assert.False(File.Exists(VerifiedDownloader.PartialPath(target)));
        Assert.False(Directory.Exists(dir.Combine("quarantine")));
    }

    [Fact]
    public async Task A_replaced_corrupt_file_goes_to_quarantine()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);
        dir.Write("models/loras/x.safetensors", "corrupt"u8.ToArray());

        await Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(Model, await File.ReadAllBytesAsync(target.Destination));
        var kept = Assert.Single(Directory.GetFiles(dir.Combine("quarantine"), "*", SearchOption.AllDirectories));
        Assert.Equal("corrupt"u8.ToArray(), await File.ReadAllBytesAsync(kept));
    }

    [Fact]
    public async Task An_interrupted_transfer_resumes_with_a_range_and_reverifies_the_reused_bytes()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);

        var cut = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For("drop"), target, Quarantine(dir), null, CancellationToken.None)
        );
        Assert.True(cut.Resumable, cut.Message);
        var kept = new FileInfo(VerifiedDownloader.PartialPath(target)).Length;
        Assert.InRange(kept, 1, Model.Length - 1);
        Assert.False(File.Exists(target.Destination));

        await Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(Model, await File.ReadAllBytesAsync(target.Destination));
        Assert.Equal($"bytes={kept}-", server.Ranges.Last());
    }

    [Fact]
    public async Task A_resumed_partial_with_wrong_bytes_is_caught_by_the_hash()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);
        var poisoned = (byte[])Model[..1_000_000].Clone();
        poisoned[10] ^= 0xff;
        dir.Write(Path.GetRelativePath(dir.Path, VerifiedDownloader.PartialPath(target)), poisoned);

        var e = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For("good"), target, Quarantine(dir), null, CancellationToken.None)
        );

        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target.Destination));
        Assert.False(File.Exists(VerifiedDownloader.PartialPath(target)));
    }

    [Fact]
    public async Task A_server_ignoring_the_range_restarts_the_file()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);
        dir.Write(Path.GetRelativePath(dir.Path, VerifiedDownloader.PartialPath(target)), Model[..1_000_000]);

        await Downloader().DownloadAsync(server.For("norange"), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(Model, await File.ReadAllBytesAsync(target.Destination));
        Assert.Equal("bytes=1000000-", server.Ranges.Last());
    }

    [Fact]
    public async Task A_stalled_source_fails_and_keeps_its_partial()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);

        var e = await Assert.ThrowsAsync<TransferException>(() =>
            new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(3)).DownloadAsync(
                server.For("stall"),
                target,
                Quarantine(dir),
                null,
                CancellationToken.None
            )
        );

        Assert.Contains("stalled", e.Message, StringComparison.Ordinal);
        Assert.True(e.Resumable);
        Assert.False(File.Exists(target.Destination));
    }

    [Fact]
    public async Task Not_enough_space_is_refused_before_any_byte_is_written()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var target = Target(dir);

        var e = await Assert.ThrowsAsync<TransferException>(() =>
            new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30), spaceMargin: long.MaxValue / 4).DownloadAsync(
                server.For("good"),
                target,
                Quarantine(dir),
                null,
                CancellationToken.None
            )
        );

        Assert.StartsWith("not enough space in", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Ranges);
        Assert.False(File.Exists(VerifiedDownloader.PartialPath(target)));
    }

    [Fact]
    public async Task A_folder_mirror_is_copied_with_the_same_checks()
    {
        using var dir = new TempDir();
        var mirrored = dir.Write("mirror/loras/x.safetensors", Model);
        var target = Target(dir);

        await Downloader().DownloadAsync(new Uri(mirrored), target, Quarantine(dir), null, CancellationToken.None);

        Assert.Equal(Model, await File.ReadAllBytesAsync(target.Destination));
    }

    [Fact]
    public async Task A_refusal_says_the_servers_reason_and_an_error_page_is_not_read()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();

        var refused = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For("refused"), Target(dir), Quarantine(dir), null, CancellationToken.None)
        );
        var page = await Assert.ThrowsAsync<TransferException>(() =>
            Downloader().DownloadAsync(server.For("error-page"), Target(dir), Quarantine(dir), null, CancellationToken.None)
        );

        // the problem's detail, on one line; an HTML page's text is never copied into a result
        Assert.EndsWith(
            "the server answered 502 Bad Gateway: worker gpu-02 offers 9 bytes, the registry says 8",
            refused.Message,
            StringComparison.Ordinal
        );
        Assert.EndsWith("the server answered 500 Internal Server Error", page.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Target(dir).Destination));
    }

    private static TransferTarget Target(TempDir dir) => new(dir.Combine("models", "loras", "x.safetensors"), Sha, Model.Length);

    private static VerifiedDownloader Downloader() => new(new HttpClient(), TimeSpan.FromSeconds(30));

    private static Quarantine Quarantine(TempDir dir) => new(dir.Combine("quarantine"), TimeSpan.FromDays(7));

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }
}
