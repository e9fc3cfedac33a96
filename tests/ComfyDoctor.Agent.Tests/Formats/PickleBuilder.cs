using System.Text;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Writes a pickle opcode by opcode (pickletools' names), for shapes Python's pickler never emits on its own.</summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [];

    public PickleBuilder Proto(byte protocol) => Op(0x80, protocol);

    public PickleBuilder Frame(ulong length) => Op(0x95, BitConverter.GetBytes(length));

    /// <summary>GLOBAL: <c>c</c> module <c>\n</c> name <c>\n</c>.</summary>
    public PickleBuilder Global(string module, string name) => Op('c', Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder Inst(string module, string name) => Op('i', Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder ShortBinUnicode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return Op(0x8c, [(byte)bytes.Length, .. bytes]);
    }

    public PickleBuilder BinUnicode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return Op('X', [.. BitConverter.GetBytes(bytes.Length), .. bytes]);
    }

    /// <summary>STRING with its argument as written (quotes and escapes included).</summary>
    public PickleBuilder String(string quoted) => Op('S', Encoding.Latin1.GetBytes(quoted + "\n"));

    /// <summary>UNICODE with its raw-unicode-escape argument as written.</summary>
    public PickleBuilder Unicode(string raw) => Op('V', Encoding.Latin1.GetBytes(raw + "\n"));

    public PickleBuilder Memoize() => Op(0x94);

    public PickleBuilder BinPut(byte index) => Op('q', index);

    public PickleBuilder BinGet(byte index) => Op('h', index);

    public PickleBuilder Put(int index) => Op('p', Encoding.ASCII.GetBytes($"{index}\n"));

    public PickleBuilder Get(int index) => Op('g', Encoding.ASCII.GetBytes($"{index}\n"));

    public PickleBuilder StackGlobal() => Op(0x93);

    public PickleBuilder Mark() => Op('(');

    public PickleBuilder EmptyTuple() => Op(')');

    public PickleBuilder Tuple() => Op('t');

    public PickleBuilder Tuple1() => Op(0x85);

    public PickleBuilder Reduce() => Op('R');

    public PickleBuilder Pop() => Op('0');

    public PickleBuilder Dup() => Op('2');

    public PickleBuilder None() => Op('N');

    public PickleBuilder BinInt1(byte value) => Op('K', value);

    /// <summary>An integer as Python's pickler writes a non-negative one under 2³¹: BININT1, BININT2 or BININT.</summary>
    public PickleBuilder BinInt(long value) =>
        value switch
        {
            < 256 => Op('K', (byte)value),
            < 65536 => Op('M', (byte)value, (byte)(value >> 8)),
            _ => Op('J', BitConverter.GetBytes((int)value)),
        };

    public PickleBuilder BinBytes8(ulong length) => Op(0x8e, BitConverter.GetBytes(length));

    /// <summary>BINBYTES with its payload.</summary>
    public PickleBuilder BinBytes(byte[] payload) => Op('B', [.. BitConverter.GetBytes(payload.Length), .. payload]);

    public PickleBuilder Ext1(byte code) => Op(0x82, code);

    public PickleBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public PickleBuilder Stop() => Op('.');

    /// <summary><c>os.system('echo pwned')</c> via REDUCE of whatever global was pushed last.</summary>
    public PickleBuilder CallWithOneString() => ShortBinUnicode("echo pwned").Tuple1().Reduce();

    public byte[] ToBytes() => [.. _bytes];

    private PickleBuilder Op(char op, params byte[] argument) => Op((byte)op, argument);

    private PickleBuilder Op(byte op, params byte[] argument)
    {
        _bytes.Add(op);
        _bytes.AddRange(argument);
        return this;
    }
}
