using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ComfyDoctor.Agent.Demo;

/// <summary>Small but structurally real model files for the demo installation.</summary>
internal static class DemoModelBytes
{
    /// <summary>A safetensors file with one F16 tensor of <paramref name="elements"/> values and deterministic data.</summary>
    public static byte[] Safetensors(string tensor, int elements, int seed)
    {
        var dataLength = elements * 2;
        var header =
            $"{{\"__metadata__\":{{\"format\":\"pt\"}},\"{tensor}\":{{\"dtype\":\"F16\",\"shape\":[{elements}],\"data_offsets\":[0,"
            + $"{dataLength}]}}}}";
        var headerBytes = Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        var bytes = new byte[8 + headerBytes.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        new Random(seed).NextBytes(bytes.AsSpan(8 + headerBytes.Length));
        return bytes;
    }

    /// <summary>
    /// A safetensors file laid out as a real model of its kind: the marker tensors (F16, real names and shapes) that say its
    /// kind and family, then one F16 <paramref name="filler"/> tensor so the file holds <paramref name="elements"/> values.
    /// </summary>
    public static byte[] Safetensors((string Name, int[] Shape)[] markers, string filler, int elements, int seed)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var offset = 0;
        foreach (var (name, shape) in markers)
        {
            offset = Tensor(header, name, shape, offset);
        }

        var rest = elements - (offset / 2);
        offset = Tensor(header, filler, [rest], offset);
        var headerBytes = Encoding.UTF8.GetBytes(header.Append('}').ToString().PadRight((header.Length + 7) / 8 * 8));
        var bytes = new byte[8 + headerBytes.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        new Random(seed).NextBytes(bytes.AsSpan(8 + headerBytes.Length));
        return bytes;
    }

    private static int Tensor(StringBuilder header, string name, int[] shape, int offset)
    {
        var end = offset + (shape.Aggregate(1, (a, d) => checked(a * d)) * 2);
        header.Append(
            System.Globalization.CultureInfo.InvariantCulture,
            $",\"{name}\":{{\"dtype\":\"F16\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{end}]}}"
        );
        return end;
    }

    /// <summary>
    /// A GGUF v3 file with <c>general.architecture</c> and F32 tensors (dimensions innermost first, as ggml lists them),
    /// each at a 32-byte aligned offset, the data zeros.
    /// </summary>
    public static byte[] Gguf(string architecture, params (string Name, ulong[] Dims)[] tensors)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("GGUF"u8);
            w.Write(3u); // version
            w.Write((ulong)tensors.Length); // tensor count
            w.Write(1UL); // metadata key/value count
            WriteString(w, "general.architecture");
            w.Write(8u); // value type: string
            WriteString(w, architecture);
            ulong offset = 0;
            foreach (var (name, dims) in tensors)
            {
                WriteString(w, name);
                w.Write((uint)dims.Length);
                Array.ForEach(dims, w.Write);
                w.Write(0u); // F32
                w.Write(offset);
                offset += (dims.Aggregate(1UL, (a, d) => a * d) * 4 + 31) / 32 * 32;
            }

            w.Flush();
            w.Write(new byte[((stream.Length + 31) / 32 * 32) - stream.Length + (long)offset]);
        }

        return stream.ToArray();
    }

    /// <summary>A PyTorch-style zip whose <c>data.pkl</c> only rebuilds an <c>OrderedDict</c>: safe.</summary>
    public static byte[] TorchZip(string name)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(zip, $"{name}/data.pkl", Pickle("ccollections\nOrderedDict\nq\u0000)Rq\u0001."));
            Write(zip, $"{name}/version", "3\n"u8.ToArray());
        }

        return stream.ToArray();
    }

    /// <summary>A raw pickle that would call <c>posix.system("echo pwned")</c> if anyone unpickled it. Nobody will.</summary>
    public static byte[] MaliciousPickle() =>
        Pickle("cposix\nsystem\nq\u0000X\u000a\u0000\u0000\u0000echo pwnedq\u0001\u0085q\u0002Rq\u0003.");

    /// <summary>PROTO 2 followed by opcodes written one char per byte (all below U+0100).</summary>
    private static byte[] Pickle(string opcodes) => [0x80, 0x02, .. opcodes.Select(c => checked((byte)c))];

    private static void Write(ZipArchive zip, string entryName, byte[] content)
    {
        using var entry = zip.CreateEntry(entryName, CompressionLevel.NoCompression).Open();
        entry.Write(content);
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }
}
