using System.Diagnostics;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Tests.Transfers;

/// <summary>
/// <see cref="DirectWrites"/> on real file systems: the test folder's (direct where <c>dd oflag=direct</c> — an independent
/// judge — can write there) and a real ramfs (which refuses <c>O_DIRECT</c>). Whatever the path taken, the bytes on disk
/// must be exactly the bytes written.
/// </summary>
public sealed class DirectWritesTests
{
    private const int Block = 1 << 20;

    [Fact]
    public async Task Aligned_blocks_are_written_directly_where_the_file_system_allows_it_and_the_tail_through_the_page_cache()
    {
        using var dir = new TempDir();
        var path = dir.Combine("model.partial");
        var blocks = new[] { Filled(Block, 1), Filled(Block, 2) };
        var tail = Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 12_345);

        await using (var file = Create(path))
        {
            var disk = DirectWrites.Open(file);
            Assert.Equal(DirectIoAccepted(dir.Path), disk.Direct);
            foreach (var block in blocks)
            {
                await disk.WriteAsync(block.Memory, CancellationToken.None);
            }

            Assert.Equal(DirectIoAccepted(dir.Path), disk.Direct);
            await disk.WriteAsync(tail, CancellationToken.None);
            Assert.False(disk.Direct);
            file.Flush(flushToDisk: true);
        }

        byte[] expected = [.. blocks[0].Memory.ToArray(), .. blocks[1].Memory.ToArray(), .. tail];
        Assert.Equal(expected, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_block_at_an_unaligned_address_or_position_is_written_through_the_page_cache()
    {
        using var dir = new TempDir();
        var path = dir.Combine("model.partial");
        var block = Filled(Block + DirectWrites.Alignment, 7);
        var misaligned = block.Memory.Slice(1, Block); // a whole number of blocks, at an address one byte off

        await using (var file = Create(path))
        {
            var disk = DirectWrites.Open(file);
            await disk.WriteAsync(misaligned, CancellationToken.None);
            Assert.False(disk.Direct);
        }

        Assert.Equal(misaligned.ToArray(), await File.ReadAllBytesAsync(path));

        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1))
        {
            file.Seek(1000, SeekOrigin.Begin); // a resume from a partial of 1,000 bytes
            var disk = DirectWrites.Open(file);
            Assert.False(disk.Direct);
            await disk.WriteAsync(Filled(Block, 9).Memory, CancellationToken.None);
        }

        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(1000 + Block, bytes.Length);
        Assert.Equal(misaligned[..1000].ToArray(), bytes[..1000]);
        Assert.All(bytes[1000..], b => Assert.Equal(9, b));
    }

    [Fact]
    public async Task A_file_system_refusing_direct_writes_gets_the_same_bytes_through_the_page_cache()
    {
        using var dir = new TempDir();
        using var ramfs = Tmpfs.MountRamfs(dir.Combine("ramfs")); // tmpfs takes O_DIRECT since Linux 6.6; ramfs never does
        var path = Path.Combine(ramfs.Path, "model.partial");
        var block = Filled(Block, 3);

        await using (var file = Create(path))
        {
            var disk = DirectWrites.Open(file);
            Assert.False(disk.Direct);
            Assert.False(DirectIoAccepted(ramfs.Path));
            await disk.WriteAsync(block.Memory, CancellationToken.None);
        }

        Assert.Equal(block.Memory.ToArray(), await File.ReadAllBytesAsync(path));
    }

    private static FileStream Create(string path) => new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1);

    private static AlignedBlock Filled(int size, byte value)
    {
        var block = new AlignedBlock(size);
        block.Memory.Span.Fill(value);
        return block;
    }

    /// <summary>Whether coreutils' dd can write to <paramref name="folder"/> with O_DIRECT: the independent answer.</summary>
    private static bool DirectIoAccepted(string folder)
    {
        var probe = Path.Combine(folder, ".dd-probe");
        var start = new ProcessStartInfo("dd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "if=/dev/zero", $"of={probe}", "bs=4096", "count=1", "oflag=direct" })
        {
            start.ArgumentList.Add(arg);
        }

        using var dd = Process.Start(start)!;
        dd.StandardError.ReadToEnd();
        dd.WaitForExit();
        File.Delete(probe);
        return dd.ExitCode == 0;
    }
}
