using System.IO.Compression;
using System.Text;

namespace ComfyDoctor.AgentBench;

/// <summary>
/// <c>torch.save</c> archives for the reads bench: <c>archive/data.pkl</c> (protocol 2: an <c>OrderedDict</c> of
/// <c>_rebuild_tensor_v2</c> calls, each with its size tuple) and one stored data member of zeros.
/// </summary>
internal static class TorchZips
{
    /// <summary>Writes the archive; returns the length of its data.pkl (what the pickle walk reads).</summary>
    public static long Write(string path, IEnumerable<(string Name, long[] Shape)> tensors, int dataBytes)
    {
        var pickle = DataPkl(tensors);
        using (var zip = new ZipArchive(new FileStream(path, FileMode.Create), ZipArchiveMode.Create))
        {
            foreach (
                var (name, content) in new[]
                {
                    ("archive/data.pkl", pickle),
                    ("archive/byteorder", "little"u8.ToArray()),
                    ("archive/data/0", new byte[dataBytes]),
                    ("archive/version", "3\n"u8.ToArray()),
                }
            )
            {
                using var member = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                member.Write(content);
            }
        }

        return pickle.Length;
    }

    private static byte[] DataPkl(IEnumerable<(string Name, long[] Shape)> tensors)
    {
        var p = new MemoryStream();
        p.Write([0x80, 2]);
        Global(p, "collections", "OrderedDict");
        p.Write([(byte)')', (byte)'R', (byte)'(']);
        var key = 0;
        foreach (var (name, shape) in tensors)
        {
            Text(p, name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.Write([(byte)'(', (byte)'(']);
            Text(p, "storage");
            Global(p, "torch", "HalfStorage");
            Text(p, (key++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Text(p, "cpu");
            Int(p, shape.Aggregate(1L, (a, d) => a * d));
            p.Write([(byte)'t', (byte)'Q']);
            Int(p, 0);
            Ints(p, shape);
            Ints(p, [.. shape.Select((_, i) => shape.Skip(i + 1).Aggregate(1L, (a, d) => a * d))]);
            p.WriteByte(0x89);
            Global(p, "collections", "OrderedDict");
            p.Write([(byte)')', (byte)'R', (byte)'t', (byte)'R']);
        }

        p.Write([(byte)'u', (byte)'.']);
        return p.ToArray();
    }

    private static void Global(Stream p, string module, string name) => p.Write(Encoding.UTF8.GetBytes($"c{module}\n{name}\n"));

    private static void Text(Stream p, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        p.WriteByte((byte)'X');
        p.Write(BitConverter.GetBytes(bytes.Length));
        p.Write(bytes);
    }

    private static void Int(Stream p, long value)
    {
        p.WriteByte((byte)'J');
        p.Write(BitConverter.GetBytes((int)value));
    }

    private static void Ints(Stream p, long[] values)
    {
        p.WriteByte((byte)'(');
        foreach (var value in values)
        {
            Int(p, value);
        }

        p.WriteByte((byte)'t');
    }
}
