using System.Diagnostics;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.FileSystem;

public sealed class NativeFileTests
{
    /// <summary>
    /// The race of case 17: the walk saw a file, and a FIFO is in its place when the scanner opens it. The open does not
    /// wait for a writer and the handle's fstat refuses it (before, File.OpenHandle blocked until a writer came).
    /// </summary>
    [Fact]
    public async Task A_fifo_where_a_file_was_is_refused_at_open_without_waiting_for_a_writer()
    {
        using var dir = new TempDir();
        var path = dir.Combine("swapped.safetensors");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            await mkfifo.WaitForExitAsync();
        }

        var native = NativePath.Of(path);
        var open = Task.Run(() => Assert.Throws<NotAFileException>(() => NativeFile.OpenRead(native)));
        var check = Task.Run(() => Assert.Throws<NotAFileException>(() => ModelFormatChecker.Check(native)));
        var hash = Task.Run(() => Assert.Throws<NotAFileException>(() => new FileHasher().Hash(native, null, CancellationToken.None)));
        var all = Task.WhenAll(open, check, hash);
        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(1)))); // a hang fails instead of hanging the run
        Assert.Equal(FileKind.Fifo, (await open).Kind);
    }

    [Fact]
    public void A_name_that_is_not_utf8_opens_by_its_bytes()
    {
        using var dir = new TempDir();
        var folder = NativePath.Of(dir.Path);
        byte[] name = [.. "w"u8, 0xff, .. ".pt"u8];
        var path = folder.Child(name, Core.Text.FileNameText.Decode(name));
        Assert.False(path.Exact);
        Assert.Equal(dir.Path + "/w\\xff.pt", path.Text);
        Assert.Equal(Convert.ToBase64String([.. System.Text.Encoding.UTF8.GetBytes(dir.Path + "/"), .. name]), path.RawBase64);

        Assert.Throws<FileNotFoundException>(() => NativeFile.OpenRead(path));
        File.WriteAllBytes(dir.Combine("w\\xff.pt"), [9]); // a file named by the text is another file
        Assert.Throws<FileNotFoundException>(() => NativeFile.OpenRead(path));
    }

    [Fact]
    public async Task A_model_whose_name_is_not_utf8_is_quarantined_by_its_bytes_and_only_inside_its_root()
    {
        using var dir = new TempDir();
        var folder = dir.Combine("models", "embeddings");
        Directory.CreateDirectory(folder);
        using (
            var python = Process.Start(
                "python3",
                ["-c", "import os,sys; open(os.fsencode(sys.argv[1]) + b'/evil\\xff.pt', 'wb').write(b'x')", folder]
            )
        )
        {
            await python.WaitForExitAsync();
        }

        var roots = Agent.Models.ModelRootResolver.Resolve(dir.Path, []).ModelRoots;
        var model = Assert.Single(
            await new Agent.Scanning.ModelScanner(HashCache.InMemory(), new FileHasher(), (_, _) =>
                Core.Inventory.FormatCheck.NotChecked("pt")
            ).ScanAsync(roots, false, 1, null, CancellationToken.None)
        );
        Assert.Equal("embeddings/evil\\xff.pt", model.Identity);

        var outside = model with { Identity = "loras/evil\\xff.pt" }; // no root of that folder key holds its folder
        Assert.Throws<InvalidDataException>(() =>
        {
            _ = RawModelPath.Confined(outside, roots);
        });

        var quarantine = new Agent.Transfers.Quarantine(dir.Combine("quarantine"), TimeSpan.FromDays(1));
        var kept = quarantine.Keep(RawModelPath.Confined(model, roots));
        Assert.Empty(Directory.GetFiles(folder));
        Assert.StartsWith("evil\\xff.pt.", Path.GetFileName(kept), StringComparison.Ordinal);
        Assert.Equal("x"u8.ToArray(), await File.ReadAllBytesAsync(kept));
    }
}
