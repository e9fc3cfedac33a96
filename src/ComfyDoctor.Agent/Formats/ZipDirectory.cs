using System.Buffers.Binary;
using System.Text;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>One entry of a zip archive's central directory (zip64 sizes and offset resolved).</summary>
internal sealed record ZipMember(
    string Name,
    ushort Flags,
    ushort Method,
    long CompressedSize,
    long UncompressedSize,
    long LocalHeaderOffset
)
{
    /// <summary>General-purpose bits 0 (encrypted), 5 (patch data) and 6 (strong encryption): both loaders refuse such a member.</summary>
    public bool Unreadable => (Flags & 0x61) != 0;
}

/// <summary>
/// The central directory of a zip archive, read as torch's reader (miniz, through <c>PyTorchFileReader</c>) and Python's
/// <c>zipfile</c> read it: the end record is the last one in the final 64 KiB (zip64 when it says so), the declared entry
/// count is checked against a bound before anything is allocated per entry, and the directory is read where the end
/// record puts it, or, when nothing is there, right before the end record (Python's allowance for bytes prepended to the
/// archive). Flags, CRCs and local headers are not judged here: <see cref="ZipMemberData"/> opens a member as the loaders do.
/// </summary>
internal static class ZipDirectory
{
    private const int EndRecordSize = 22;
    private const int MaxComment = ushort.MaxValue;

    /// <summary>The entries, and by how much every offset is shifted (non-zero only for an archive with bytes before it).</summary>
    public static (IReadOnlyList<ZipMember> Members, long Shift) Read(Stream zip, ulong maxEntries)
    {
        var (end, count, size, offset) = FindEnd(zip);
        if (count > maxEntries)
        {
            throw new ZipRefusedException(
                Invariant($"zip archive declares {count:N0} entries, more than the {maxEntries:N0} a checkpoint could need")
            );
        }

        var shift = 0L;
        if (!StartsWithSignature(zip, offset, 0x02014b50) && count > 0)
        {
            shift = end - size - offset;
            if (shift <= 0 || !StartsWithSignature(zip, offset + shift, 0x02014b50))
            {
                throw new InvalidDataException(Invariant($"no central directory at byte {offset:N0}, where the end record puts it"));
            }
        }

        zip.Position = offset + shift;
        using var directory = new BufferedStream(
            new ZipMemberData.Window(zip, offset + shift, Math.Min(size, zip.Length - offset - shift)),
            1 << 16
        );
        var members = new List<ZipMember>((int)Math.Min(count, 4096));
        var fixedPart = new byte[46];
        for (var i = 0UL; i < count; i++)
        {
            if (
                directory.ReadAtLeast(fixedPart, 46, throwOnEndOfStream: false) < 46
                || BinaryPrimitives.ReadUInt32LittleEndian(fixedPart) != 0x02014b50
            )
            {
                throw new InvalidDataException(Invariant($"central directory entry {i + 1:N0} of {count:N0} is missing or damaged"));
            }

            members.Add(ReadEntry(directory, fixedPart));
        }

        return (members, shift);
    }

    private static ZipMember ReadEntry(Stream directory, byte[] entry)
    {
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(8));
        var variable = new byte[
            BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(28))
                + BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(30))
                + BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(32))
        ];
        directory.ReadExactly(variable);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(28));
        var name = ((flags & 0x800) != 0 ? Encoding.UTF8 : Encoding.Latin1).GetString(variable, 0, nameLength);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(20));
        long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(24));
        long local = BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(42));
        var extra = variable.AsSpan(nameLength, BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(30)));
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]), extra.Length - 4);
            if (id == 0x0001)
            {
                var field = extra.Slice(4, length);
                uncompressed = Zip64(ref field, uncompressed);
                compressed = Zip64(ref field, compressed);
                local = Zip64(ref field, local);
            }

            extra = extra[(4 + length)..];
        }

        return new ZipMember(name, flags, BinaryPrimitives.ReadUInt16LittleEndian(entry.AsSpan(10)), compressed, uncompressed, local);
    }

    /// <summary>A value of 0xFFFFFFFF is in the zip64 field, in order; a value read there beyond long's range is refused.</summary>
    private static long Zip64(ref Span<byte> field, long value)
    {
        if (value != uint.MaxValue || field.Length < 8)
        {
            return value;
        }

        var wide = BinaryPrimitives.ReadUInt64LittleEndian(field);
        field = field[8..];
        return wide > long.MaxValue ? throw new InvalidDataException("a zip64 size or offset beyond any file") : (long)wide;
    }

    private static (long End, ulong Count, long Size, long Offset) FindEnd(Stream zip)
    {
        var length = zip.Length;
        var tailLength = (int)Math.Min(length, EndRecordSize + MaxComment);
        var tail = new byte[tailLength];
        zip.Position = length - tailLength;
        zip.ReadExactly(tail);
        var at = tail.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        if (at < 0 || at > tailLength - EndRecordSize)
        {
            throw new InvalidDataException("no end of central directory record (the archive is cut short or is not a zip)");
        }

        var end = length - tailLength + at;
        var record = tail.AsSpan(at);
        ulong count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        if ((count == ushort.MaxValue || size == uint.MaxValue || offset == uint.MaxValue) && Zip64End(zip, end) is { } wide)
        {
            return (end, wide.Count, wide.Size, wide.Offset);
        }

        return (end, count, size, offset);
    }

    /// <summary>The zip64 locator sits just before the end record and points at the zip64 end record.</summary>
    private static (ulong Count, long Size, long Offset)? Zip64End(Stream zip, long endRecord)
    {
        if (endRecord < 20)
        {
            return null;
        }

        Span<byte> locator = stackalloc byte[20];
        zip.Position = endRecord - 20;
        zip.ReadExactly(locator);
        var at = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != 0x07064b50 || zip.Length < 56 || at > (ulong)(zip.Length - 56))
        {
            return null;
        }

        Span<byte> record = stackalloc byte[56];
        zip.Position = (long)at;
        zip.ReadExactly(record);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(record[48..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(record) != 0x06064b50 ? null
            : size > (ulong)zip.Length || offset > (ulong)zip.Length
                ? throw new InvalidDataException("the zip64 end record points beyond the file")
            : (BinaryPrimitives.ReadUInt64LittleEndian(record[32..]), (long)size, (long)offset);
    }

    private static bool StartsWithSignature(Stream zip, long at, uint signature)
    {
        if (at < 0 || at > zip.Length - 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        zip.Position = at;
        zip.ReadExactly(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes) == signature;
    }
}

/// <summary>An archive refused before it is read (a directory far larger than any checkpoint's).</summary>
internal sealed class ZipRefusedException(string message) : Exception(message);
