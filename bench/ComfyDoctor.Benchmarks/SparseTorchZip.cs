using System.Buffers.Binary;
using System.Text;

namespace ComfyDoctor.Benchmarks;

/// <summary>
/// A torch.save-style zip (stored members) whose tensor member is a sparse hole of the given size: what a scan of a big
/// zip checkpoint costs when only its directory and <c>data.pkl</c> are read. CRCs are left zero (no loader checks them).
/// </summary>
internal static class SparseTorchZip
{
    public static void Write(string path, long tensorBytes)
    {
        var members = new List<(string Name, long Offset, long Size)>();
        using var zip = new FileStream(path, FileMode.Create);
        Member(zip, members, "archive/data.pkl", [0x80, 0x02, .. "ccollections\nOrderedDict\nq\u0000)Rq\u0001."u8]);
        Member(zip, members, "archive/data/0", null, tensorBytes);
        Member(zip, members, "archive/version", "3\n"u8.ToArray());
        var directory = zip.Position;
        foreach (var (name, offset, size) in members)
        {
            var central = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(central, 0x02014b50);
            BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(20), (uint)size);
            BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(24), (uint)size);
            BinaryPrimitives.WriteUInt16LittleEndian(central.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(central.AsSpan(42), (uint)offset);
            zip.Write(central);
            zip.Write(Encoding.ASCII.GetBytes(name));
        }

        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)members.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)members.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)(zip.Position - directory));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directory);
        zip.Write(end);
    }

    private static void Member(FileStream zip, List<(string, long, long)> members, string name, byte[]? content, long hole = 0)
    {
        var size = content?.Length ?? hole;
        members.Add((name, zip.Position, size));
        var local = new byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
        BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(18), (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(22), (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)name.Length);
        zip.Write(local);
        zip.Write(Encoding.ASCII.GetBytes(name));
        if (content is null)
        {
            zip.Seek(hole, SeekOrigin.Current);
        }
        else
        {
            zip.Write(content);
        }
    }
}
