using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// Writes a zip archive byte by byte, so a test can set what <see cref="ZipArchive"/> never writes: general-purpose
/// flags, a wrong CRC, a local header that disagrees with the central directory (name, method, extra field).
/// </summary>
internal sealed class ZipBuilder
{
    private readonly List<Entry> _entries = [];

    public sealed record Entry(string Name, byte[] Content)
    {
        public bool Deflate { get; init; }
        public ushort Flags { get; init; }
        public uint? Crc { get; init; }
        public string? LocalName { get; init; }
        public byte[] LocalExtra { get; init; } = [];
        public ushort? LocalMethod { get; init; }
    }

    public ZipBuilder Add(Entry entry)
    {
        _entries.Add(entry);
        return this;
    }

    public ZipBuilder Add(string name, byte[] content, bool deflate = false) => Add(new Entry(name, content) { Deflate = deflate });

    /// <summary>The files of a <c>torch.save</c> archive around <paramref name="dataPkl"/>, under <paramref name="folder"/>.</summary>
    public static ZipBuilder Torch(byte[] dataPkl, string folder = "archive", bool deflate = false) =>
        new ZipBuilder()
            .Add($"{folder}/data.pkl", dataPkl, deflate)
            .Add($"{folder}/byteorder", "little"u8.ToArray())
            .Add($"{folder}/data/0", new byte[256])
            .Add($"{folder}/version", "3\n"u8.ToArray());

    public byte[] ToBytes()
    {
        using var zip = new MemoryStream();
        var central = new MemoryStream();
        foreach (var entry in _entries)
        {
            var data = entry.Deflate ? Deflated(entry.Content) : entry.Content;
            var method = (ushort)(entry.Deflate ? 8 : 0);
            var crc = entry.Crc ?? Crc32(entry.Content);
            var offset = (uint)zip.Position;
            var localName = Encoding.UTF8.GetBytes(entry.LocalName ?? entry.Name);
            Header(
                zip,
                0x04034b50,
                entry.Flags,
                entry.LocalMethod ?? method,
                crc,
                data.Length,
                entry.Content.Length,
                localName,
                entry.LocalExtra,
                null
            );
            zip.Write(data);
            Header(
                central,
                0x02014b50,
                entry.Flags,
                method,
                crc,
                data.Length,
                entry.Content.Length,
                Encoding.UTF8.GetBytes(entry.Name),
                [],
                offset
            );
        }

        var directoryAt = (uint)zip.Position;
        central.Position = 0;
        central.CopyTo(zip);
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), directoryAt);
        zip.Write(end);
        return zip.ToArray();
    }

    private static void Header(
        Stream to,
        uint signature,
        ushort flags,
        ushort method,
        uint crc,
        int compressed,
        int size,
        byte[] name,
        byte[] extra,
        uint? offset
    )
    {
        var central = offset is not null;
        var fixedPart = new byte[central ? 46 : 30];
        var at = central ? 8 : 6;
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart, signature);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(at - 2), 20); // version needed
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(at), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(at + 2), method);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(at + 8), crc);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(at + 12), (uint)compressed);
        BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(at + 16), (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(at + 20), (ushort)name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart.AsSpan(at + 22), (ushort)extra.Length);
        if (offset is { } local)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(42), local);
        }

        to.Write(fixedPart);
        to.Write(name);
        to.Write(extra);
    }

    private static uint Crc32(byte[] content)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var b in content)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] Deflated(byte[] content)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(content);
        }

        return output.ToArray();
    }
}
