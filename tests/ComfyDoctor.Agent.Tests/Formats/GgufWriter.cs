using System.Text;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// Writes real GGUF files byte by byte (little-endian; v1 with 32-bit counts and lengths, v2/v3 with 64-bit): metadata
/// key/values, tensor infos whose offsets follow each other padded to the alignment, padding, then the tensor data.
/// </summary>
internal sealed class GgufWriter(uint version = 3)
{
    public const uint F32 = 0;
    public const uint F16 = 1;
    public const uint Q8_0 = 8;
    public const uint Q4_K = 12;

    private readonly List<Action<BinaryWriter>> _kvs = [];
    private readonly List<(string Name, ulong[] Dims, uint Type)> _tensors = [];
    private uint _alignment = 32;

    public GgufWriter String(string key, string value) => Kv(key, 8, w => Str(w, value));

    public GgufWriter U32(string key, uint value) => Kv(key, 4, w => w.Write(value));

    public GgufWriter F32Value(string key, float value) => Kv(key, 6, w => w.Write(value));

    public GgufWriter Bool(string key, bool value) => Kv(key, 7, w => w.Write(value));

    public GgufWriter U32Array(string key, params uint[] values) => Kv(key, 9, w =>
        {
            w.Write(4u);
            Count(w, (ulong)values.Length);
            Array.ForEach(values, w.Write);
        });

    public GgufWriter StringArray(string key, params string[] values) => Kv(key, 9, w =>
        {
            w.Write(8u);
            Count(w, (ulong)values.Length);
            Array.ForEach(values, v => Str(w, v));
        });

    /// <summary>An array of two arrays of uint8 (nested arrays are allowed).</summary>
    public GgufWriter NestedArray(string key) => Kv(key, 9, w =>
        {
            w.Write(9u);
            Count(w, 2);
            for (var i = 0; i < 2; i++)
            {
                w.Write(0u);
                Count(w, 3);
                w.Write(new byte[] { 1, 2, 3 });
            }
        });

    public GgufWriter Alignment(uint alignment)
    {
        _alignment = alignment;
        return U32("general.alignment", alignment);
    }

    public GgufWriter Tensor(string name, uint type, params ulong[] dims)
    {
        _tensors.Add((name, dims, type));
        return this;
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        var data = WriteHeader(stream);
        stream.Write(Enumerable.Range(0, (int)data).Select(i => (byte)i).ToArray());
        return stream.ToArray();
    }

    /// <summary>The header, tensor infos and padding written, the tensor data a hole: a sparse file of the full size.</summary>
    public void WriteSparse(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite);
        var data = WriteHeader(file);
        file.SetLength(file.Length + (long)data);
    }

    /// <summary>Writes everything before the tensor data; returns the bytes of tensor data the infos describe.</summary>
    private ulong WriteHeader(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(version);
        Count(w, (ulong)_tensors.Count);
        Count(w, (ulong)_kvs.Count);
        _kvs.ForEach(kv => kv(w));
        ulong offset = 0;
        foreach (var (name, dims, type) in _tensors)
        {
            Str(w, name);
            w.Write((uint)dims.Length);
            Array.ForEach(dims, d => Count(w, d));
            w.Write(type);
            w.Write(offset);
            offset += Pad(Bytes(type, dims));
        }

        w.Flush();
        w.Write(new byte[Pad((ulong)stream.Length) - (ulong)stream.Length]);
        w.Flush();
        return offset;
    }

    private static ulong Bytes(uint type, ulong[] dims)
    {
        var elements = dims.Aggregate(1UL, (a, d) => a * d);
        return type switch
        {
            F32 => elements * 4,
            F16 => elements * 2,
            Q8_0 => elements / 32 * 34,
            Q4_K => elements / 256 * 144,
            _ => elements,
        };
    }

    private ulong Pad(ulong size) => (size + _alignment - 1) / _alignment * _alignment;

    private GgufWriter Kv(string key, uint type, Action<BinaryWriter> value)
    {
        _kvs.Add(w =>
        {
            Str(w, key);
            w.Write(type);
            value(w);
        });
        return this;
    }

    private void Count(BinaryWriter w, ulong value)
    {
        if (version == 1)
        {
            w.Write((uint)value);
        }
        else
        {
            w.Write(value);
        }
    }

    private void Str(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Count(w, (ulong)bytes.Length);
        w.Write(bytes);
    }
}
