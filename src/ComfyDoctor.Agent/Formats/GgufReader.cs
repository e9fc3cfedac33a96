using System.Buffers.Binary;
using System.Text;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>Bounded little-endian reads over a GGUF stream; every length is checked against the bytes left.</summary>
internal sealed class GgufReader(Stream stream)
{
    private const int MaxArrayDepth = 4;
    private readonly byte[] _scratch = new byte[8];
    private readonly long _length = stream.Length;

    public sealed class TruncatedException(string message) : Exception(message);

    public uint Version { get; set; } = 3;

    public long Position => stream.Position;

    public byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    public uint U32()
    {
        Fill(_scratch.AsSpan(0, 4));
        return BinaryPrimitives.ReadUInt32LittleEndian(_scratch);
    }

    public ulong U64()
    {
        Fill(_scratch.AsSpan(0, 8));
        return BinaryPrimitives.ReadUInt64LittleEndian(_scratch);
    }

    /// <summary>Counts and lengths are 32-bit in GGUF v1, 64-bit after.</summary>
    public ulong Count() => Version == 1 ? U32() : U64();

    public string String(ulong maxBytes)
    {
        var length = Count();
        if (length > maxBytes)
        {
            throw new InvalidDataException(Invariant($"a string of {length:N0} bytes at offset {Position:N0} (at most {maxBytes:N0})"));
        }

        Need(length);
        return Encoding.UTF8.GetString(Bytes((int)length));
    }

    /// <summary>Skips one metadata value of GGUF type <paramref name="type"/> without reading it into memory.</summary>
    public void SkipValue(uint type, int depth, CancellationToken ct)
    {
        switch (type)
        {
            case 8: // string
                Skip(Count());
                break;
            case 9: // array: element type, count, elements
                if (depth >= MaxArrayDepth)
                {
                    throw new InvalidDataException(Invariant($"arrays nested deeper than {MaxArrayDepth} at offset {Position:N0}"));
                }

                var elementType = U32();
                var count = Count();
                if (FixedSize(elementType) is { } size)
                {
                    Skip(count > ulong.MaxValue / size ? ulong.MaxValue : count * size);
                }
                else
                {
                    Need(count); // every variable-size element takes at least one byte
                    for (ulong i = 0; i < count; i++)
                    {
                        if ((i & 0xFFFF) == 0)
                        {
                            ct.ThrowIfCancellationRequested();
                        }

                        SkipValue(elementType, depth + 1, ct);
                    }
                }

                break;
            default:
                Skip(
                    FixedSize(type)
                        ?? throw new InvalidDataException(Invariant($"unknown metadata value type {type} at offset {Position:N0}"))
                );
                break;
        }
    }

    private static ulong? FixedSize(uint type) =>
        type switch
        {
            0 or 1 or 7 => 1, // uint8, int8, bool
            2 or 3 => 2, // uint16, int16
            4 or 5 or 6 => 4, // uint32, int32, float32
            10 or 11 or 12 => 8, // uint64, int64, float64
            _ => null,
        };

    private void Skip(ulong bytes)
    {
        Need(bytes);
        stream.Seek((long)bytes, SeekOrigin.Current);
    }

    private void Need(ulong bytes)
    {
        if (bytes > (ulong)(_length - stream.Position))
        {
            throw new TruncatedException(Invariant($"{bytes:N0} bytes needed at offset {stream.Position:N0}, file has {_length:N0}"));
        }
    }

    private void Fill(Span<byte> buffer)
    {
        Need((ulong)buffer.Length);
        stream.ReadExactly(buffer);
    }
}
