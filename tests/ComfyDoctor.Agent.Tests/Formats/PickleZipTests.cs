using System.Buffers.Binary;
using System.IO.Compression;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>PyTorch zip checkpoints (<c>torch.save</c> since 1.6) written with <see cref="ZipArchive"/>, and damaged or hostile
/// ones.</summary>
public sealed class PickleZipTests
{
    private static PickleBuilder StateDict() => new PickleBuilder().Raw(PickleSamples.StateDict());

    [Fact]
    public void Torch_style_zip_is_valid()
    {
        var check = Check(TorchZip(StateDict().ToBytes(), CompressionLevel.NoCompression));
        Assert.Equal((FormatStatus.Valid, "zip-pickle"), (check.Status, check.Format));
    }

    [Fact]
    public void Every_pkl_member_is_scanned()
    {
        var evil = new PickleBuilder().Proto(2).Global("os", "system").CallWithOneString().Stop().ToBytes();
        var check = Check(TorchZip(StateDict().ToBytes(), CompressionLevel.Optimal, ("archive/constants.pkl", evil)));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["os.system"], check.Imports);
    }

    [Fact]
    public void Member_declaring_a_huge_size_is_read_for_what_it_holds()
    {
        var bytes = TorchZip(StateDict().ToBytes(), CompressionLevel.Optimal);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(22), 0xFFFF_FFF0); // local header: uncompressed size
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(IndexOf(bytes, "PK\u0001\u0002"u8) + 24), 0xFFFF_FFF0); // central directory

        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = Check(bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Member_that_inflates_past_the_scan_budget_is_not_vouched_for()
    {
        const int Payload = 8 << 20;
        var pickle = new PickleBuilder().Proto(4).BinBytes8(Payload).Raw(new byte[Payload]).Stop().ToBytes();
        using var dir = new TempDir();
        var path = dir.Write("bomb.pth", TorchZip(pickle, CompressionLevel.Optimal));
        Assert.True(new FileInfo(path).Length < Payload / 100);

        var capped = PickleFileChecker.Check(path, zipBudget: 1 << 20, CancellationToken.None);
        Assert.Equal(FormatStatus.Unsafe, capped.Status);
        Assert.Equal(
            "could not be scanned to its end (archive/data.pkl: the pickle is longer than the 1,048,576 bytes a scan reads); "
                + "counted as unsafe",
            capped.Message
        );

        Assert.Equal(FormatStatus.Valid, ModelFormatChecker.Check(path).Status); // within the default budget
    }

    [Fact]
    public void Directory_declaring_billions_of_entries_is_refused_before_it_is_read()
    {
        var check = Check(WithZip64EntryCount(TorchZip(StateDict().ToBytes(), CompressionLevel.NoCompression), 4_000_000_000));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal("zip archive declares 4,000,000,000 entries, more than the 200,000 a checkpoint could need", check.Message);
    }

    [Fact]
    public void Download_cut_short_is_a_damaged_archive()
    {
        var bytes = TorchZip(StateDict().ToBytes(), CompressionLevel.NoCompression);
        var check = Check(bytes[..(bytes.Length / 2)]);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("damaged or truncated zip archive", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_compressed_member_is_invalid()
    {
        var bytes = TorchZip(StateDict().ToBytes(), CompressionLevel.Optimal);
        bytes.AsSpan(30 + "archive/data.pkl".Length, 8).Fill(0xff);
        var check = Check(bytes);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith("archive/data.pkl: damaged compressed data", check.Message, StringComparison.Ordinal);
    }

    private static byte[] TorchZip(byte[] dataPkl, CompressionLevel level, params (string Name, byte[] Content)[] more)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "archive/data.pkl", dataPkl, level);
            Add(zip, "archive/byteorder", "little"u8.ToArray(), CompressionLevel.NoCompression);
            Add(zip, "archive/data/0", new byte[256], CompressionLevel.NoCompression);
            Add(zip, "archive/version", "3\n"u8.ToArray(), CompressionLevel.NoCompression);
            foreach (var (name, content) in more)
            {
                Add(zip, name, content, level);
            }
        }

        return stream.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] content, CompressionLevel level)
    {
        using var entry = zip.CreateEntry(name, level).Open();
        entry.Write(content);
    }

    /// <summary>Rewrites the end of the archive as zip64 (record + locator + classic record of 0xFFFF) declaring
    /// <paramref name="entries"/>.</summary>
    private static byte[] WithZip64EntryCount(byte[] zip, ulong entries)
    {
        var end = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        var record = new byte[56 + 20];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), 44);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(40), BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 12)));
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(56), 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(64), (ulong)end);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(72), 1);
        var classic = zip[end..];
        BinaryPrimitives.WriteUInt16LittleEndian(classic.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(classic.AsSpan(10), 0xFFFF);
        return [.. zip[..end], .. record, .. classic];
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> value) => bytes.AsSpan().IndexOf(value);

    private static FormatCheck Check(byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("model.ckpt", content));
    }
}
