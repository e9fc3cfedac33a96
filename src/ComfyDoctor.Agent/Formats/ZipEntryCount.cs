using System.Buffers.Binary;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The number of entries a zip archive's end-of-central-directory record declares (zip64 included), read before
/// <see cref="System.IO.Compression.ZipArchive"/> builds an object per entry, so a hostile directory cannot run us out
/// of memory. Null when no record is found (the archive reader then says what is wrong).
/// </summary>
internal static class ZipEntryCount
{
    private const int EndRecordSize = 22;
    private const int MaxComment = ushort.MaxValue;

    public static ulong? Read(Stream zip)
    {
        var length = zip.Length;
        var tailLength = (int)Math.Min(length, EndRecordSize + MaxComment);
        var tail = new byte[tailLength];
        zip.Position = length - tailLength;
        zip.ReadExactly(tail);
        for (var i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) != 0x06054b50)
            {
                continue;
            }

            var count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 10));
            return count == ushort.MaxValue ? Zip64Count(zip, length - tailLength + i) ?? count : count;
        }

        return null;
    }

    /// <summary>The zip64 locator sits just before the end record and points at the zip64 end record.</summary>
    private static ulong? Zip64Count(Stream zip, long endRecord)
    {
        if (endRecord < 20)
        {
            return null;
        }

        Span<byte> locator = stackalloc byte[20];
        zip.Position = endRecord - 20;
        zip.ReadExactly(locator);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != 0x07064b50)
        {
            return null;
        }

        var offset = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        if (zip.Length < 56 || offset > (ulong)(zip.Length - 56))
        {
            return null;
        }

        Span<byte> record = stackalloc byte[56];
        zip.Position = (long)offset;
        zip.ReadExactly(record);
        return BinaryPrimitives.ReadUInt32LittleEndian(record) == 0x06064b50 ? BinaryPrimitives.ReadUInt64LittleEndian(record[32..]) : null;
    }
}
