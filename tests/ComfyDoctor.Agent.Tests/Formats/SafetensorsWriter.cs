using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// Writes real safetensors files the way the reference writer does: tensors laid out one after the other in the order
/// added, a JSON header padded with spaces to a multiple of 8 bytes, then the tensor bytes (a repeating pattern).
/// </summary>
internal sealed class SafetensorsWriter
{
    private static readonly Dictionary<string, int> Bits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8,
        ["U8"] = 8,
        ["I8"] = 8,
        ["F8_E4M3"] = 8,
        ["F8_E5M2"] = 8,
        ["I16"] = 16,
        ["F16"] = 16,
        ["BF16"] = 16,
        ["I32"] = 32,
        ["F32"] = 32,
        ["I64"] = 64,
        ["F64"] = 64,
        ["F4"] = 4,
        ["F6_E2M3"] = 6,
    };

    private readonly List<(string Name, string Dtype, long[] Shape)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = [];

    public SafetensorsWriter Tensor(string name, string dtype, params long[] shape)
    {
        _tensors.Add((name, dtype, shape));
        return this;
    }

    public SafetensorsWriter Metadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>The bytes of tensor data the header describes.</summary>
    public long DataBytes => _tensors.Sum(t => Size(t.Dtype, t.Shape));

    public byte[] ToBytes()
    {
        var prefix = Prefix(out var dataBytes);
        var bytes = new byte[prefix.Length + dataBytes];
        prefix.CopyTo(bytes, 0);
        for (var i = prefix.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }

    /// <summary>
    /// The file as a real checkpoint of this layout would be, without its tensor data: the length and header written,
    /// the data a hole (a sparse file of the full size), so a 20 GB checkpoint's header costs a few KB of disk.
    /// </summary>
    public void WriteSparse(string path)
    {
        var prefix = Prefix(out var dataBytes);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(prefix);
        file.SetLength(prefix.Length + dataBytes);
    }

    /// <summary>The 8-byte header length and the JSON header padded with spaces to a multiple of 8 bytes.</summary>
    private byte[] Prefix(out long dataBytes)
    {
        var header = new Dictionary<string, object>();
        if (_metadata.Count > 0)
        {
            header["__metadata__"] = _metadata;
        }

        long offset = 0;
        foreach (var (name, dtype, shape) in _tensors)
        {
            var size = Size(dtype, shape);
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = dtype,
                ["shape"] = shape,
                ["data_offsets"] = new[] { offset, offset + size },
            };
            offset += size;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        json.CopyTo(bytes, 8);
        bytes.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        dataBytes = offset;
        return bytes;
    }

    /// <summary>8-byte length, the header exactly as given, then <paramref name="dataBytes"/> bytes of data.</summary>
    public static byte[] Raw(string header, int dataBytes) => Raw(Encoding.UTF8.GetBytes(header), dataBytes);

    public static byte[] Raw(byte[] header, int dataBytes)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private static long Size(string dtype, long[] shape) => (shape.Aggregate(1L, (a, d) => a * d) * Bits[dtype] + 7) / 8;
}
