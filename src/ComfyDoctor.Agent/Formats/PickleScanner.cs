using System.Text;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Walks the opcodes of one pickle (protocols 0–5, <c>pickletools</c>' table) up to its <c>STOP</c> without executing
/// any, and adds the globals it would import to a <see cref="PickleImportSet"/> shared by the file's pickles.
/// <c>GLOBAL</c>/<c>INST</c> name them inline; <c>STACK_GLOBAL</c> takes the two values on top of the stack, so the
/// stack is modelled (marks, pops, tuples, DUP; <c>FRAME</c>, <c>PROTO</c> and the memo opcodes push nothing) and
/// strings are tracked through the memo (<c>MEMOIZE</c>, <c>PUT</c>/<c>BINPUT</c>/<c>LONG_BINPUT</c>, then
/// <c>GET</c>/<c>BINGET</c>/<c>LONG_BINGET</c>). Text arguments are decoded as Python decodes them
/// (<see cref="PickleStrings"/>). <c>EXT1/2/4</c> import from the copyreg registry and are reported as
/// <c>copyreg.extension N</c>. Payloads (<c>BINBYTES8</c>…) are skipped, never read into memory; strings longer than
/// 256 bytes are not tracked (a module or name that long is reported as <c>?</c>). One scanner (a fresh memo) per
/// pickle, as Python uses a new unpickler for each <c>load</c>.
/// </summary>
internal sealed class PickleScanner(PickleReader input, PickleImportSet imports, CancellationToken ct = default)
{
    private const int MaxTrackedString = 256;
    private const int MaxStack = 8192;
    private const long MaxMemoChars = 4 << 20;
    private const int MemoEntryCost = 16;
    private static readonly object Mark = new();
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, string> _memo = [];
    private long _memoLength;
    private long _memoChars;

    /// <summary>The protocol named by <c>PROTO</c>, or 0 when there was none.</summary>
    public int Protocol { get; private set; }

    /// <summary>Reads opcodes up to and including <c>STOP</c>; anything else throws <see cref="MalformedPickleException"/>.</summary>
    public void ScanOne()
    {
        for (var count = 1L; ; count++)
        {
            if ((count & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            var at = input.Position;
            var op = input.ReadByte();
            if (op == '.')
            {
                return;
            }

            Step(op, at);
        }
    }

    private void Step(int op, long at)
    {
        switch (op)
        {
            case '(': Push(Mark); break;
            case 'N' or ')' or ']' or '}' or 0x88 or 0x89 or 0x8f or 0x97: Push(null); break;
            case 'I' or 'L' or 'F' or 'P': input.Line(0); Push(null); break;
            case 'K': input.ReadByte(); Push(null); break;
            case 'M': input.U16(); Push(null); break;
            case 'J': input.U32(); Push(null); break;
            case 'G': input.U64(); Push(null); break;
            case 0x8a: input.Skip((ulong)input.ReadByte(), "LONG1"); Push(null); break;
            case 0x8b: input.Skip(Length32(at, "LONG4"), "LONG4"); Push(null); break;
            case 'S': Push(Text(PickleStrings.QuotedEscaped, at, "STRING")); break;
            case 'V': Push(Text(PickleStrings.RawUnicodeEscape, at, "UNICODE")); break;
            case 'T': PushString(Length32(at, "BINSTRING"), Encoding.Latin1); break;
            case 'U': PushString((ulong)input.ReadByte(), Encoding.Latin1); break;
            case 'X': PushString(input.U32(), Encoding.UTF8); break;
            case 0x8c: PushString((ulong)input.ReadByte(), Encoding.UTF8); break;
            case 0x8d: PushString(input.U64(), Encoding.UTF8); break;
            case 'B': input.Skip(input.U32(), "BINBYTES"); Push(null); break;
            case 'C': input.Skip((ulong)input.ReadByte(), "SHORT_BINBYTES"); Push(null); break;
            case 0x8e: input.Skip(input.U64(), "BINBYTES8"); Push(null); break;
            case 0x96: input.Skip(input.U64(), "BYTEARRAY8"); Push(null); break;
            case 0x98: break; // READONLY_BUFFER
            case '0': if (_stack.Count > 0 && _stack[^1] != Mark) { Pop(1); } else { PopMark(); } break;
            case '1': PopMark(); break;
            case '2': Push(_stack.Count > 0 && _stack[^1] != Mark ? _stack[^1] : null); break;
            case 'a' or 'b': Pop(1); break;                          // APPEND, BUILD
            case 's': Pop(2); break;                                 // SETITEM
            case 'e' or 'u' or 0x90: PopMark(); break;               // APPENDS, SETITEMS, ADDITEMS
            case 'R' or 0x81: Pop(2); Push(null); break;             // REDUCE, NEWOBJ
            case 0x92: Pop(3); Push(null); break;                    // NEWOBJ_EX
            case 'Q' or 0x85: Pop(1); Push(null); break;             // BINPERSID, TUPLE1
            case 0x86: Pop(2); Push(null); break;                    // TUPLE2
            case 0x87: Pop(3); Push(null); break;                    // TUPLE3
            case 't' or 'l' or 'd' or 0x91 or 'o': PopMark(); Push(null); break; // TUPLE, LIST, DICT, FROZENSET, OBJ
            case 'c': Import(input.Line(MaxTrackedString), input.Line(MaxTrackedString)); Push(null); break;
            case 'i': Import(input.Line(MaxTrackedString), input.Line(MaxTrackedString)); PopMark(); Push(null); break;
            case 0x93:
                var name = Pop(1) as string;
                var module = Pop(1) as string;
                imports.Add(new PickleGlobal(module ?? PickleGlobal.Unknown, name ?? PickleGlobal.Unknown));
                Push(null);
                break;
            case 0x82: Extension(input.ReadByte()); break;
            case 0x83: Extension(input.U16()); break;
            case 0x84: Extension(input.I32()); break;
            case 'p': Remember(Index(input.Line(32), at, "PUT")); break;
            case 'q': Remember(input.ReadByte()); break;
            case 'r': Remember(input.U32()); break;
            case 0x94: Remember(_memoLength); break;
            case 'g': Push(_memo.GetValueOrDefault(Index(input.Line(32), at, "GET"))); break;
            case 'h': Push(_memo.GetValueOrDefault(input.ReadByte())); break;
            case 'j': Push(_memo.GetValueOrDefault(input.U32())); break;
            case 0x80:
                Protocol = input.ReadByte();
                if (Protocol > 5)
                {
                    throw Garbled(Invariant($"unsupported pickle protocol {Protocol} at byte {at:N0}"));
                }

                break;
            case 0x95: input.U64(); break; // FRAME: its length; the frame holds ordinary opcodes
            default:
                throw Garbled(Invariant($"unknown opcode 0x{op:x2} at byte {at:N0}"));
        }
    }

    private void Import(byte[]? module, byte[]? name) =>
        imports.Add(new PickleGlobal(Decode(module), Decode(name)));

    private static string Decode(byte[]? line) => line is null ? "(a name too long to show)" : Encoding.UTF8.GetString(line);

    private void Extension(int code)
    {
        imports.Add(new PickleGlobal("copyreg", Invariant($"extension {code}")));
        Push(null);
    }

    private ulong Length32(long at, string opcode)
    {
        var length = input.I32();
        return length < 0 ? throw Garbled(Invariant($"{opcode} with a negative length at byte {at:N0}")) : (ulong)length;
    }

    private string? Text(Func<byte[], string?> decode, long at, string opcode)
    {
        var line = input.Line(MaxTrackedString);
        return line is null ? null : decode(line) ?? throw Garbled(Invariant($"{opcode} argument Python cannot decode at byte {at:N0}"));
    }

    private static long Index(byte[]? line, long at, string opcode) =>
        line is not null && long.TryParse(Encoding.ASCII.GetString(line), System.Globalization.CultureInfo.InvariantCulture, out var index) && index >= 0
            ? index
            : throw Garbled(Invariant($"{opcode} without a valid memo index at byte {at:N0}"));

    private void PushString(ulong length, Encoding encoding)
    {
        if (length <= MaxTrackedString)
        {
            Push(encoding.GetString(input.Bytes((int)length)));
        }
        else
        {
            input.Skip(length, "a string");
            Push(null);
        }
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStack)
        {
            _stack.RemoveRange(0, MaxStack / 2); // only the top of the stack names imports
        }

        _stack.Add(value);
    }

    private object? Pop(int count)
    {
        object? top = null;
        for (var i = 0; i < count && _stack.Count > 0; i++)
        {
            top = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
        }

        return top == Mark ? null : top;
    }

    private void PopMark()
    {
        var mark = _stack.LastIndexOf(Mark);
        _stack.RemoveRange(Math.Max(mark, 0), _stack.Count - Math.Max(mark, 0));
    }

    /// <summary>Stores the top of the stack under <paramref name="index"/>; only strings are kept (within a budget of characters).</summary>
    private void Remember(long index)
    {
        _memoLength = Math.Max(_memoLength, index + 1);
        if (_memo.Remove(index, out var old))
        {
            _memoChars -= old.Length + MemoEntryCost;
        }

        if (_stack.Count > 0 && _stack[^1] is string text && _memoChars + text.Length + MemoEntryCost <= MaxMemoChars)
        {
            _memo[index] = text;
            _memoChars += text.Length + MemoEntryCost;
        }
    }

    private static MalformedPickleException Garbled(string message) => new(PickleFailure.Garbled, message);
}
