using System.Buffers.Binary;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The bytes of a pickle, read forward only. Every read is bounded: by the end of the stream (a cut-off file is
/// <see cref="PickleFailure.Truncated"/>) and by a budget of bytes actually read (a zip bomb is
/// <see cref="PickleFailure.TooLong"/>). Arguments nobody needs (tensor payloads) are skipped with <c>Seek</c> when the
/// stream can seek, so a gigabyte payload costs nothing; otherwise they are read through a small buffer.
/// </summary>
internal sealed class PickleReader(Stream stream, long budget)
{
    private readonly long _length = stream.CanSeek ? stream.Length : -1;
    private byte[]? _skipBuffer;

    /// <summary>Bytes consumed from the start of this reader (read or skipped).</summary>
    public long Position { get; private set; }

    /// <summary>Bytes really read (not skipped by seeking): what the budget counts.</summary>
    public long BytesRead { get; private set; }

    public bool AtEnd => _length >= 0 ? stream.Position >= _length : false;

    /// <summary>Whether payloads are skipped by seeking (and can be read back by <see cref="ReadAt"/>).</summary>
    public bool CanSeek => _length >= 0;

    /// <summary>Where the underlying stream stands (for <see cref="ReadAt"/>).</summary>
    public long StreamPosition => stream.Position;

    /// <summary>Reads <paramref name="count"/> bytes at a place passed earlier, then returns to where the walk stands.</summary>
    public byte[] ReadAt(long streamPosition, int count)
    {
        var back = stream.Position;
        try
        {
            stream.Position = streamPosition;
            var bytes = new byte[count];
            stream.ReadExactly(bytes);
            return bytes;
        }
        finally
        {
            stream.Position = back;
        }
    }

    public int ReadByte()
    {
        Spend(1);
        var b = stream.ReadByte();
        if (b < 0)
        {
            throw Truncated(Invariant($"the pickle ends at byte {Position:N0} without a STOP opcode"));
        }

        Position++;
        return b;
    }

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Fill(stackalloc byte[2]));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(stackalloc byte[4]));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Fill(stackalloc byte[4]));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(stackalloc byte[8]));

    /// <summary>A small argument read into memory (callers bound <paramref name="count"/>).</summary>
    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    /// <summary>
    /// A text argument up to <c>\n</c> (protocol 0). At most <paramref name="keep"/> bytes are kept; the rest of a longer
    /// line is consumed but not stored. Returns null for the text when it was longer than that.
    /// </summary>
    public byte[]? Line(int keep)
    {
        var kept = new List<byte>();
        var overflow = false;
        int b;
        while ((b = ReadByte()) != '\n')
        {
            if (kept.Count < keep)
            {
                kept.Add((byte)b);
            }
            else
            {
                overflow = true;
            }
        }

        return overflow ? null : [.. kept];
    }

    /// <summary>Skips an argument of <paramref name="count"/> bytes (a length read from the file, so never trusted).</summary>
    public void Skip(ulong count, string what)
    {
        if (_length >= 0)
        {
            var left = (ulong)Math.Max(0, _length - stream.Position);
            if (count > left)
            {
                throw Truncated(
                    Invariant($"{what} of {count:N0} bytes at byte {Position:N0} runs past the end of the file ({left:N0} bytes left)")
                );
            }

            stream.Seek((long)count, SeekOrigin.Current);
            Position += (long)count;
            return;
        }

        _skipBuffer ??= new byte[1 << 16];
        while (count > 0)
        {
            var n = (int)Math.Min(count, (ulong)_skipBuffer.Length);
            Fill(_skipBuffer.AsSpan(0, n));
            count -= (ulong)n;
        }
    }

    private Span<byte> Fill(Span<byte> buffer)
    {
        Spend(buffer.Length);
        var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        Position += got;
        if (got < buffer.Length)
        {
            throw Truncated(
                Invariant($"the pickle ends at byte {Position:N0}, inside an argument ({buffer.Length - got:N0} more bytes needed)")
            );
        }

        return buffer;
    }

    private void Spend(int bytes)
    {
        if (BytesRead + bytes > budget)
        {
            throw new MalformedPickleException(
                PickleFailure.TooLong,
                Invariant($"the pickle is longer than the {budget:N0} bytes a scan reads")
            );
        }

        BytesRead += bytes;
    }

    private static MalformedPickleException Truncated(string message) => new(PickleFailure.Truncated, "truncated: " + message);
}
