using System.Security.Cryptography;
using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Tests.Transfers;

/// <summary>
/// Issue 9, case 9 (the race): the destination is resolved and confined, then a folder on its way is swapped for a
/// symlink to a folder outside the model root — before the transfer opens its partial, or while the bytes come. Real
/// renames and symlinks, a real Kestrel source. Nothing may be written outside the root.
/// </summary>
public sealed class SymlinkSwapTests
{
    private static readonly byte[] Model = RandomNumberGenerator.GetBytes(3_000_000);

    [Fact]
    public async Task A_folder_swapped_for_a_symlink_never_carries_a_write_outside_the_root()
    {
        await using var server = await ModelServer.StartAsync(Model);
        var (runs, refused) = (0, 0);
        foreach (var swapAfterBytes in new long?[] { null, 1, 1 << 20, 2 << 20, null, 1 << 20 })
        {
            using var dir = new TempDir();
            var root = dir.Combine("models", "loras");
            var outside = dir.Combine("outside");
            Directory.CreateDirectory(Path.Combine(root, "styles"));
            Directory.CreateDirectory(outside);
            var destination = ModelPaths.Resolve(
                new ModelRoot("loras", root, "default"),
                ModelIdentity.Parse("loras/styles/x.safetensors")
            );
            var target = new TransferTarget(destination, Convert.ToHexStringLower(SHA256.HashData(Model)), Model.Length) { Root = root };

            void Swap()
            {
                Directory.Move(Path.Combine(root, "styles"), Path.Combine(root, "styles.moved"));
                Directory.CreateSymbolicLink(Path.Combine(root, "styles"), outside);
            }

            var swapped = false;
            if (swapAfterBytes is null)
            {
                Swap(); // between the resolution and the transfer
                swapped = true;
            }

            var progress = new SynchronousProgress(p =>
            {
                if (!swapped && p.Bytes >= swapAfterBytes)
                {
                    Swap(); // while the bytes come
                    swapped = true;
                }
            });
            var e = await Assert.ThrowsAsync<TransferException>(() =>
                new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30)).DownloadAsync(
                    server.For("good"),
                    target,
                    new Quarantine(dir.Combine("quarantine"), TimeSpan.FromDays(1)),
                    progress,
                    CancellationToken.None
                )
            );

            runs++;
            refused++;
            Assert.True(swapped);
            Assert.Contains("outside the model root", e.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(outside)); // no partial, no model, no folder
        }

        Console.WriteLine($"RELIABILITY symlink-swap: runs={runs} swaps={runs} writes-outside-root=0 refused={refused}");
    }

    private sealed class SynchronousProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    [Fact]
    public async Task A_model_root_comfyui_has_not_created_yet_is_created_and_filled()
    {
        await using var server = await ModelServer.StartAsync(Model);
        using var dir = new TempDir();
        var root = dir.Combine("models", "text_encoders"); // missing, as on a fresh install
        Directory.CreateDirectory(dir.Combine("models"));
        var destination = ModelPaths.Resolve(
            new ModelRoot("text_encoders", root, "default"),
            ModelIdentity.Parse("text_encoders/t5/x.safetensors")
        );
        var target = new TransferTarget(destination, Convert.ToHexStringLower(SHA256.HashData(Model)), Model.Length) { Root = root };

        await new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30)).DownloadAsync(
            server.For("good"),
            target,
            new Quarantine(dir.Combine("quarantine"), TimeSpan.FromDays(1)),
            null,
            CancellationToken.None
        );

        Assert.Equal(Model, await File.ReadAllBytesAsync(destination));

        // Still confined: a missing root whose existing parent leads elsewhere is refused.
        var outside = dir.Combine("outside");
        Directory.CreateDirectory(outside);
        Directory.CreateSymbolicLink(dir.Combine("linked"), outside);
        var escaping = new TransferTarget(Path.Combine(dir.Combine("linked", "vae"), "y.safetensors"), target.Sha256, Model.Length)
        {
            Root = dir.Combine("models", "vae"),
        };
        var e = await Assert.ThrowsAsync<TransferException>(() =>
            new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30)).DownloadAsync(
                server.For("good"),
                escaping,
                new Quarantine(dir.Combine("quarantine"), TimeSpan.FromDays(1)),
                null,
                CancellationToken.None
            )
        );
        Assert.Contains("outside the model root", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }
}
