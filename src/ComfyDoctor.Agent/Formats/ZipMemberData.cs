using System.Buffers.Binary;
using System.IO.Compression;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The bytes of one zip member as a loader reads them. miniz (torch's reader, built with
/// <c>MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS</c>) and Python's <c>zipfile</c> agree: the method and the compressed size
/// come from the central directory, the data starts after the local header's own name and extra field. So
/// <see cref="AsLoaderReads"/> is what both hand to the unpickler; a CRC that does not match is no reason not to read it
/// (torch does not check it). Where the local header tells another story (another method or size), a reader that walks
/// local headers would read <see cref="AsLocalHeaderSays"/>, and the scan walks that too.
/// </summary>
internal static class ZipMemberData
{
    /// <summary>The member's data per the central directory; null when its local header is missing.</summary>
    public static Opened? AsLoaderReads(Stream zip, ZipMember member, long shift)
    {
        var local = LocalHeader(zip, member.LocalHeaderOffset + shift);
        return local is null ? null : Open(zip, local.Value.DataStart, member.Method, member.CompressedSize);
    }

    /// <summary>The member's data per its local header, when that differs from the central directory (null otherwise).</summary>
    public static Opened? AsLocalHeaderSays(Stream zip, ZipMember member, long shift)
    {
        var local = LocalHeader(zip, member.LocalHeaderOffset + shift);
        if (
            local is not { } header
            || (
                header.Method == member.Method
                && (header.CompressedSize == member.CompressedSize || header.CompressedSize is 0 or uint.MaxValue)
            )
        )
        {
            return null;
        }

        return Open(
            zip,
            header.DataStart,
            header.Method,
            header.CompressedSize is 0 or uint.MaxValue ? member.CompressedSize : header.CompressedSize
        );
    }

    /// <summary>Data that can be walked (stored: seekable; deflated: inflated as it is read), or why a loader could not read it.</summary>
    internal sealed record Opened(Stream? Data, string? Refusal);

    private static Opened Open(Stream zip, long start, ushort method, long size)
    {
        if (start > zip.Length || size > zip.Length - start)
        {
            return new(null, Invariant($"its data ({size:N0} bytes at byte {start:N0}) runs past the end of the archive"));
        }

        return method switch
        {
            0 => new(new Window(zip, start, size), null),
            8 => new(new DeflateStream(new Window(zip, start, size), CompressionMode.Decompress), null),
            _ => new(null, Invariant($"it uses compression method {method}, which torch's zip reader cannot read")),
        };
    }

    private static (long DataStart, ushort Method, long CompressedSize)? LocalHeader(Stream zip, long at)
    {
        Span<byte> header = stackalloc byte[30];
        if (at < 0 || at > zip.Length - 30)
        {
            return null;
        }

        zip.Position = at;
        zip.ReadExactly(header);
        return BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x04034b50
            ? null
            : (
                at + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]),
                BinaryPrimitives.ReadUInt16LittleEndian(header[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[18..])
            );
    }

    /// <summary>A read-only, seekable view of <c>length</c> bytes of another stream from <c>start</c>.</summary>
    internal sealed class Window(Stream inner, long start, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, length - _position);
            if (wanted <= 0)
            {
                return 0;
            }

            inner.Position = start + _position;
            var got = inner.Read(buffer[..wanted]);
            _position += got;
            return got;
        }

        public override long Seek(long offset, SeekOrigin origin) =>
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };

        public override void Flush() { }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
