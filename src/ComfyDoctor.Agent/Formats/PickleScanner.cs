using System.Text;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Walks the opcodes of one pickle (protocols 0–5, <c>pickletools</c>' table) up to its <c>STOP</c> without executing
/// any, and adds the globals it would import to a <see cref="PickleImportSet"/> shared by the file's pickles.
/// <c>GLOBAL</c>/<c>INST</c> name them inline; <c>STACK_GLOBAL</c> takes the two values on top of the stack, so the
/// stack is modelled (marks, pops, tuples, DUP; <c>FRAME</c>, <c>PROTO</c> and the memo opcodes push nothing) and what
/// it tracks — strings, integers, globals, small tuples, payloads, dicts and rebuilt tensors — is followed through the memo
/// (<c>MEMOIZE</c>, <c>PUT</c>/<c>BINPUT</c>/<c>LONG_BINPUT</c>, then <c>GET</c>/<c>BINGET</c>/<c>LONG_BINGET</c>). Text arguments are
/// decoded as Python decodes them (<see cref="PickleStrings"/>). <c>EXT1/2/4</c> import from the copyreg registry and are reported as
/// <c>copyreg.extension N</c>. A call (<c>REDUCE</c>, <c>INST</c>, <c>OBJ</c>) of a loader (<c>pickle.loads</c>, <c>torch.load</c>…) on
/// bytes — written as bytes, or as <c>_codecs.encode</c>d text, or wrapped in <c>BytesIO</c> — has those bytes walked as a pickle (or zip)
/// of their own, down to <see cref="MaxDepth"/> (<see cref="NestedPickles"/>). Payloads over 1 MiB (tensor data) are skipped, never read;
/// smaller ones are remembered by their place when the input can seek, and read back only for a loader. Strings longer than 256 bytes never
/// name a global (a module or name that long is reported as <c>?</c>). One scanner (a fresh memo) per pickle, as Python uses a new
/// unpickler for each <c>load</c>. Dict entries whose values are tensors or dicts go to the file's <see cref="PickleStateDict"/>, and a
/// top-level pickle's root is offered to it at <c>STOP</c>: the tensor names and shapes the classifier reads, without another pass.
/// </summary>
internal sealed class PickleScanner(PickleReader input, PickleImportSet imports, int depth = 0, CancellationToken ct = default)
{
    /// <summary>How deep pickles may nest (a pickle handed to <c>pickle.loads</c> inside one handed to <c>torch.load</c>…).</summary>
    public const int MaxDepth = 4;

    private const int MaxTrackedString = 256;
    private const int MaxLine = 64 << 10;
    private const int MaxKept = 1 << 20;
    private const long MaxHeld = 16 << 20;
    private const int MaxTuple = 16;
    private const int MaxStack = 8192;
    private const long MaxMemoChars = 4 << 20;
    private const int MemoEntryCost = 16;
    private static readonly object Mark = new();
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object> _memo = [];
    private readonly HashSet<PickleData> _walked = [];
    private long _memoLength;
    private long _memoChars;
    private long _held;

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
                if (depth == 0)
                {
                    imports.StateDict.Offer(Top());
                }

                return;
            }

            Step(op, at);
        }
    }

    private void Step(int op, long at)
    {
        switch (op)
        {
            case '(':
                Push(Mark);
                break;
            case '}':
                Push(new PickleDict());
                break; // EMPTY_DICT
            case 'N' or ']' or 0x88 or 0x89 or 0x8f or 0x97:
                Push(null);
                break;
            case ')':
                Push(new PickleTuple([]));
                break;
            case 'I' or 'L' or 'F' or 'P':
                input.Line(0);
                Push(null);
                break;
            case 'K':
                Push((long)input.ReadByte());
                break;
            case 'M':
                Push((long)input.U16());
                break;
            case 'J':
                Push((long)input.I32());
                break;
            case 'G':
                input.U64();
                Push(null);
                break;
            case 0x8a:
                input.Skip((ulong)input.ReadByte(), "LONG1");
                Push(null);
                break;
            case 0x8b:
                input.Skip(Length32(at, "LONG4"), "LONG4");
                Push(null);
                break;
            case 'S':
                Push(Text(PickleStrings.QuotedEscaped, at, "STRING"));
                break;
            case 'V':
                Push(Text(PickleStrings.RawUnicodeEscape, at, "UNICODE"));
                break;
            case 'T':
                PushString(Length32(at, "BINSTRING"), Encoding.Latin1, "BINSTRING");
                break;
            case 'U':
                PushString((ulong)input.ReadByte(), Encoding.Latin1, "SHORT_BINSTRING");
                break;
            case 'X':
                PushString(input.U32(), Encoding.UTF8, "BINUNICODE");
                break;
            case 0x8c:
                PushString((ulong)input.ReadByte(), Encoding.UTF8, "SHORT_BINUNICODE");
                break;
            case 0x8d:
                PushString(input.U64(), Encoding.UTF8, "BINUNICODE8");
                break;
            case 'B':
                Push(Payload(input.U32(), text: false, "BINBYTES"));
                break;
            case 'C':
                Push(Payload((ulong)input.ReadByte(), text: false, "SHORT_BINBYTES"));
                break;
            case 0x8e:
                Push(Payload(input.U64(), text: false, "BINBYTES8"));
                break;
            case 0x96:
                Push(Payload(input.U64(), text: false, "BYTEARRAY8"));
                break;
            case 0x98:
                break; // READONLY_BUFFER
            case '0':
                if (_stack.Count > 0 && _stack[^1] != Mark)
                {
                    PopOne();
                }
                else
                {
                    PopMark();
                }
                break;
            case '1':
                PopMark();
                break;
            case '2':
                Push(Top());
                break;
            case 'a' or 'b':
                PopOne();
                break; // APPEND, BUILD
            case 's':
                var value = PopOne();
                var key = PopOne();
                imports.StateDict.Set(Top(), key, value);
                break; // SETITEM
            case 'u':
                SetItems(PopMark(), Top());
                break; // SETITEMS
            case 'e' or 0x90:
                PopMark();
                break; // APPENDS, ADDITEMS
            case 'R':
                var args = PopOne();
                Push(Call(PopOne(), args, at));
                break; // REDUCE
            case 0x81:
                PopOne();
                PopOne();
                Push(null);
                break; // NEWOBJ
            case 0x92:
                PopOne();
                PopOne();
                PopOne();
                Push(null);
                break; // NEWOBJ_EX
            case 'Q':
                PopOne();
                Push(null);
                break; // BINPERSID
            case 0x85:
                Push(new PickleTuple([PopOne()]));
                break; // TUPLE1
            case 0x86:
                var second = PopOne();
                Push(new PickleTuple([PopOne(), second]));
                break;
            case 0x87:
                var third = PopOne();
                var two = PopOne();
                Push(new PickleTuple([PopOne(), two, third]));
                break;
            case 't':
                var items = PopMark();
                Push(items.Length <= MaxTuple ? new PickleTuple(items) : null);
                break;
            case 'd':
                var dict = new PickleDict();
                SetItems(PopMark(), dict);
                Push(dict);
                break; // DICT
            case 'l' or 0x91:
                PopMark();
                Push(null);
                break; // LIST, FROZENSET
            case 'o':
                var obj = PopMark();
                Push(obj.Length > 0 ? Call(obj[0], new PickleTuple(obj[1..]), at) : null);
                break; // OBJ
            case 'c':
                Push(Import(input.Line(MaxTrackedString), input.Line(MaxTrackedString)));
                break;
            case 'i':
                var cls = Import(input.Line(MaxTrackedString), input.Line(MaxTrackedString));
                Push(Call(cls, new PickleTuple(PopMark()), at));
                break;
            case 0x93:
                var name = PopOne() as string;
                var module = PopOne() as string;
                Push(Add(new PickleGlobal(module ?? PickleGlobal.Unknown, name ?? PickleGlobal.Unknown)));
                break;
            case 0x82:
                Extension(input.ReadByte());
                break;
            case 0x83:
                Extension(input.U16());
                break;
            case 0x84:
                Extension(input.I32());
                break;
            case 'p':
                Remember(Index(input.Line(32), at, "PUT"));
                break;
            case 'q':
                Remember(input.ReadByte());
                break;
            case 'r':
                Remember(input.U32());
                break;
            case 0x94:
                Remember(_memoLength);
                break;
            case 'g':
                Push(_memo.GetValueOrDefault(Index(input.Line(32), at, "GET")));
                break;
            case 'h':
                Push(_memo.GetValueOrDefault(input.ReadByte()));
                break;
            case 'j':
                Push(_memo.GetValueOrDefault(input.U32()));
                break;
            case 0x80:
                Protocol = input.ReadByte();
                if (Protocol > 5)
                {
                    throw Garbled(Invariant($"unsupported pickle protocol {Protocol} at byte {at:N0}"));
                }

                break;
            case 0x95:
                input.U64();
                break; // FRAME: its length; the frame holds ordinary opcodes
            default:
                throw Garbled(Invariant($"unknown opcode 0x{op:x2} at byte {at:N0}"));
        }
    }

    /// <summary>A call of whatever is on the stack: a loader handed bytes has those bytes walked as a pickle of their own.</summary>
    private object? Call(object? callable, object? args, long at)
    {
        if (callable is not PickleGlobal global)
        {
            return null;
        }

        if (
            PickleImports.IsLoader(global)
            && (args as PickleTuple)?.Items.FirstOrDefault() is PickleData { IsText: false } data
            && _walked.Add(data)
        )
        {
            if (depth >= MaxDepth || data.Length > imports.Nested.Left)
            {
                throw new MalformedPickleException(
                    PickleFailure.TooLong,
                    depth >= MaxDepth
                        ? Invariant($"pickles nested more than {MaxDepth} deep (at byte {at:N0})")
                        : Invariant(
                            $"the pickles handed to loaders hold more than the {PickleImportSet.MaxNestedBytes:N0} bytes a scan walks again"
                        )
                );
            }

            imports.Nested.Spend(data.Length);
            NestedPickles.Scan(data.Read(), imports, depth + 1, global, ct);
            return null;
        }

        return PickleCalls.Result(global, args);
    }

    private PickleGlobal Add(PickleGlobal global)
    {
        imports.Add(global);
        return global;
    }

    private PickleGlobal Import(byte[]? module, byte[]? name) => Add(new PickleGlobal(Decode(module), Decode(name)));

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

    /// <summary>A protocol-0 text argument: a short one is a string (it may name a module), a longer one is kept as text.</summary>
    private object? Text(Func<byte[], string?> decode, long at, string opcode)
    {
        var line = input.Line(MaxLine);
        if (line is null)
        {
            return null;
        }

        var text = decode(line) ?? throw Garbled(Invariant($"{opcode} argument Python cannot decode at byte {at:N0}"));
        return text.Length <= MaxTrackedString ? text : Keep(Encoding.UTF8.GetBytes(text), text: true);
    }

    private static long Index(byte[]? line, long at, string opcode) =>
        line is not null
        && long.TryParse(Encoding.ASCII.GetString(line), System.Globalization.CultureInfo.InvariantCulture, out var index)
        && index >= 0
            ? index
            : throw Garbled(Invariant($"{opcode} without a valid memo index at byte {at:N0}"));

    private void PushString(ulong length, Encoding encoding, string opcode) =>
        Push(
            length <= MaxTrackedString
                ? encoding.GetString(input.Bytes((int)length))
                : Payload(length, text: encoding == Encoding.UTF8, opcode)
        );

    /// <summary>
    /// A payload that could be a nested pickle: kept when at most <see cref="MaxKept"/> bytes (and <see cref="MaxHeld"/> in
    /// all). From a seekable input only its place is kept and the bytes are skipped as before; otherwise they are read
    /// (an inflating zip member is read through anyway). Larger payloads (tensor data) are skipped and unknown.
    /// </summary>
    private PickleData? Payload(ulong length, bool text, string opcode)
    {
        if (length > MaxKept || (!input.CanSeek && _held + (long)length > MaxHeld))
        {
            input.Skip(length, opcode);
            return null;
        }

        if (input.CanSeek)
        {
            var place = input.StreamPosition;
            input.Skip(length, opcode);
            return new PickleData((long)length, text, () => input.ReadAt(place, (int)length));
        }

        return Keep(input.Bytes((int)length), text);
    }

    private PickleData? Keep(byte[] bytes, bool text)
    {
        if (_held + bytes.Length > MaxHeld)
        {
            return null;
        }

        _held += bytes.Length;
        return PickleData.InMemory(bytes, text);
    }

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStack)
        {
            _stack.RemoveRange(0, MaxStack / 2); // only the top of the stack names imports and calls
        }

        _stack.Add(value);
    }

    private object? Top() => _stack.Count > 0 && _stack[^1] != Mark ? _stack[^1] : null;

    /// <summary>SETITEMS: key, value pairs set on the dict under the mark (what the state dict is made of).</summary>
    private void SetItems(object?[] items, object? dict)
    {
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            imports.StateDict.Set(dict, items[i], items[i + 1]);
        }
    }

    private object? PopOne()
    {
        if (_stack.Count == 0)
        {
            return null;
        }

        var top = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return top == Mark ? null : top;
    }

    /// <summary>Removes everything down to the last mark and returns it (what TUPLE, LIST, OBJ… take).</summary>
    private object?[] PopMark()
    {
        var mark = _stack.LastIndexOf(Mark);
        var items = _stack.Skip(mark + 1).ToArray();
        _stack.RemoveRange(Math.Max(mark, 0), _stack.Count - Math.Max(mark, 0));
        return items;
    }

    /// <summary>Stores the top of the stack under <paramref name="index"/>; what the scan tracks is kept, within a budget of
    /// characters.</summary>
    private void Remember(long index)
    {
        _memoLength = Math.Max(_memoLength, index + 1);
        if (_memo.Remove(index, out var old))
        {
            _memoChars -= Cost(old);
        }

        if (_stack.Count > 0 && _stack[^1] is { } value && value != Mark && _memoChars + Cost(value) <= MaxMemoChars)
        {
            _memo[index] = value;
            _memoChars += Cost(value);
        }
    }

    private static long Cost(object value) => MemoEntryCost + (value is string text ? text.Length : 0);

    private static MalformedPickleException Garbled(string message) => new(PickleFailure.Garbled, message);
}
