using System.Buffers.Binary;
using System.Text;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Walks the opcodes of one pickle (protocols 0–5) without executing any of them, and collects the globals it would
/// import: <c>GLOBAL</c>/<c>INST</c> name them inline; <c>STACK_GLOBAL</c> takes them from the two strings on top of the
/// stack, which may come from the memo (<c>MEMOIZE</c>/<c>BINPUT</c> then <c>BINGET</c>), so strings and memo are tracked.
/// Large payloads (<c>BINBYTES8</c>, <c>FRAME</c> contents are opcodes and are walked) are skipped, never read into memory.
/// </summary>
public sealed class PickleScanner(Stream stream, long limit)
{
    private const int MaxLine = 64 * 1024;
    private const int MaxTrackedString = 1024;
    private const int MaxMemo = 1 << 20;
    private readonly List<string?> _stack = [];
    private readonly Dictionary<long, string?> _memo = [];
    private long _read;

    /// <summary>The pickle cannot be walked to its end: cut short (<see cref="Truncated"/>), or garbled.</summary>
    public sealed class MalformedPickleException(string message) : Exception(message)
    {
        public bool Truncated => Message.StartsWith("truncated", StringComparison.Ordinal);
    }

    /// <summary>The globals imported, as <c>module.name</c> (<c>?</c> where a <c>STACK_GLOBAL</c> argument was not a traceable string).</summary>
    public List<(string Module, string Name)> Globals { get; } = [];

    public long BytesRead => _read;

    /// <summary>Reads opcodes up to and including <c>STOP</c>. Throws <see cref="MalformedPickleException"/> for anything else.</summary>
    public void ScanOne()
    {
        while (true)
        {
            var op = ReadByte();
            switch (op)
            {
                case '.': // STOP
                    return;
                case 'c' or 'i': // GLOBAL, INST: module\nname\n
                    Globals.Add((Line(), Line()));
                    Push(null);
                    break;
                case 0x93: // STACK_GLOBAL
                    var name = Pop();
                    var module = Pop();
                    Globals.Add((module ?? "?", name ?? "?"));
                    Push(null);
                    break;
                case 'V' or 'S': // UNICODE, STRING: one line
                    Push(Unquote(Line()));
                    break;
                case 'X': // BINUNICODE
                    PushString(U32());
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    PushString(ReadByte());
                    break;
                case 0x8d: // BINUNICODE8
                    PushString(U64());
                    break;
                case 'T': // BINSTRING
                    PushString(U32());
                    break;
                case 'U': // SHORT_BINSTRING
                    PushString(ReadByte());
                    break;
                case 0x94: // MEMOIZE
                    Remember(_memo.Count, Top());
                    break;
                case 'q': // BINPUT
                    Remember(ReadByte(), Top());
                    break;
                case 'r': // LONG_BINPUT
                    Remember(U32(), Top());
                    break;
                case 'p': // PUT
                    Remember(long.TryParse(Line(), out var index) ? index : -1, Top());
                    break;
                case 'h': // BINGET
                    Push(_memo.GetValueOrDefault(ReadByte()));
                    break;
                case 'j': // LONG_BINGET
                    Push(_memo.GetValueOrDefault(U32()));
                    break;
                case 'g': // GET
                    Push(long.TryParse(Line(), out var key) ? _memo.GetValueOrDefault(key) : null);
                    break;
                default:
                    SkipArgument(op);
                    Push(null);
                    break;
            }
        }
    }

    /// <summary>Skips the argument of every other opcode; an unknown opcode is malformed.</summary>
    private void SkipArgument(int op)
    {
        switch (op)
        {
            case '(' or '0' or '1' or '2' or 'N' or 'Q' or 'R' or 'a' or 'b' or 'd' or '}' or 'e' or 'l' or ']' or 'o' or 's' or 't'
                or ')' or 'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x97 or 0x98:
                break;
            case 'F' or 'I' or 'L' or 'P':
                Line();
                break;
            case 'K' or 0x80 or 0x82: // BININT1, PROTO, EXT1
                ReadByte();
                break;
            case 'M' or 0x83: // BININT2, EXT2
                Skip(2);
                break;
            case 'J' or 0x84: // BININT, EXT4
                Skip(4);
                break;
            case 'G': // BINFLOAT
                Skip(8);
                break;
            case 0x95: // FRAME: an 8-byte frame length; the frame holds ordinary opcodes
                Skip(8);
                break;
            case 0x8a: // LONG1
                Skip(ReadByte());
                break;
            case 0x8b or 'B': // LONG4, BINBYTES
                Skip(U32());
                break;
            case 'C': // SHORT_BINBYTES
                Skip(ReadByte());
                break;
            case 0x8e or 0x96: // BINBYTES8, BYTEARRAY8
                Skip(U64());
                break;
            default:
                throw new MalformedPickleException($"unknown opcode 0x{op:x2} at byte {_read - 1:N0}");
        }
    }

    private void PushString(long length)
    {
        if (length <= MaxTrackedString)
        {
            var bytes = new byte[length];
            Fill(bytes);
            Push(Encoding.UTF8.GetString(bytes));
        }
        else
        {
            Skip(length);
            Push(null);
        }
    }

    private void Push(string? value)
    {
        if (_stack.Count > 4096)
        {
            _stack.RemoveRange(0, 2048); // only the top matters for STACK_GLOBAL
        }

        _stack.Add(value);
    }

    private string? Pop()
    {
        if (_stack.Count == 0)
        {
            return null;
        }

        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private string? Top() => _stack.Count > 0 ? _stack[^1] : null;

    private void Remember(long index, string? value)
    {
        if (_memo.Count < MaxMemo)
        {
            _memo[index] = value;
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] is '\'' or '"') && value[^1] == value[0] ? value[1..^1] : value;

    private string Line()
    {
        var bytes = new List<byte>();
        int b;
        while ((b = ReadByte()) != '\n')
        {
            if (bytes.Count >= MaxLine)
            {
                throw new MalformedPickleException($"a text argument longer than {MaxLine:N0} bytes at byte {_read:N0}");
            }

            bytes.Add((byte)b);
        }

        return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
    }

    private uint U32()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private long U64()
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        var value = BinaryPrimitives.ReadUInt64LittleEndian(b);
        return value > long.MaxValue ? throw new MalformedPickleException($"a length of {value:N0} bytes at byte {_read:N0}") : (long)value;
    }

    private int ReadByte()
    {
        if (_read >= limit)
        {
            throw new MalformedPickleException($"truncated: no STOP opcode within {limit:N0} bytes");
        }

        var b = stream.ReadByte();
        if (b < 0)
        {
            throw new MalformedPickleException($"truncated: no STOP opcode before the end ({_read:N0} bytes)");
        }

        _read++;
        return b;
    }

    private void Fill(Span<byte> buffer)
    {
        if (_read + buffer.Length > limit)
        {
            throw new MalformedPickleException($"truncated: {buffer.Length:N0} bytes needed at byte {_read:N0}");
        }

        var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        _read += got;
        if (got < buffer.Length)
        {
            throw new MalformedPickleException($"truncated: {buffer.Length:N0} bytes needed at byte {_read - got:N0}, only {got:N0} left");
        }
    }

    private void Skip(long count)
    {
        if (count < 0 || _read + count > limit)
        {
            throw new MalformedPickleException($"truncated: an argument of {count:N0} bytes at byte {_read:N0} runs past the end");
        }

        if (stream.CanSeek)
        {
            if (stream.Position + count > stream.Length)
            {
                throw new MalformedPickleException($"truncated: an argument of {count:N0} bytes at byte {_read:N0} runs past the end");
            }

            stream.Seek(count, SeekOrigin.Current);
            _read += count;
            return;
        }

        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var n = (int)Math.Min(count, buffer.Length);
            Fill(buffer.AsSpan(0, n));
            count -= n;
        }
    }
}
