using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// GGUF (versions 1–3, little-endian): magic <c>GGUF</c>, version, tensor and metadata counts, the metadata key/value
/// pairs, the tensor infos, then tensor data at <c>general.alignment</c> (default 32). Every count and length is checked
/// against what the file can hold before it is used, so a hostile header cannot make us allocate or loop for long.
/// </summary>
public static class GgufChecker
{
    private const string Format = "gguf";
    private const ulong MaxCount = 1_000_000;
    private const ulong MaxStringBytes = 1 << 20;
    private const int MaxDims = 8;

    public static FormatCheck Check(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        var reader = new GgufReader(file);
        try
        {
            return Walk(reader, file.Length);
        }
        catch (GgufReader.TruncatedException e)
        {
            return Broken($"truncated: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            return Broken(e.Message);
        }
        catch (OverflowException)
        {
            return Broken("tensor sizes overflow 64 bits");
        }
    }

    private static FormatCheck Walk(GgufReader r, long length)
    {
        if (length < 4 || !r.Bytes(4).SequenceEqual("GGUF"u8.ToArray()))
        {
            return Broken("no GGUF magic at the start of the file");
        }

        var version = r.U32();
        if (version is < 1 or > 3)
        {
            return Broken($"unsupported GGUF version {version} (1–3 known; a big-endian file reads as a huge version)");
        }

        r.Version = version;
        var tensorCount = r.Count();
        var kvCount = r.Count();
        // Each key/value needs at least 12 bytes and each tensor info at least 24: more than the file holds is hostile.
        if (tensorCount > MaxCount || kvCount > MaxCount || (tensorCount * 24) + (kvCount * 12) > (ulong)length)
        {
            return Broken($"header claims {tensorCount:N0} tensors and {kvCount:N0} metadata entries, more than a {length:N0}-byte file can hold");
        }

        ulong alignment = 32;
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = r.String(MaxStringBytes);
            var type = r.U32();
            if (key == "general.alignment" && type == 4)
            {
                alignment = r.U32();
                if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                {
                    return Broken($"general.alignment {alignment} is not a power of two");
                }
            }
            else
            {
                r.SkipValue(type, depth: 0);
            }
        }

        var tensors = new List<(string Name, ulong Offset, ulong? Bytes)>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = r.String(MaxStringBytes);
            var dims = r.U32();
            if (dims > MaxDims)
            {
                return Broken($"tensor '{name}' has {dims} dimensions (at most {MaxDims})");
            }

            ulong elements = 1;
            for (var d = 0; d < dims; d++)
            {
                elements = checked(elements * r.Count());
            }

            var type = r.U32();
            tensors.Add((name, r.U64(), GgmlTypes.Bytes(type, elements)));
        }

        var dataStart = (ulong)r.Position;
        dataStart = (dataStart + alignment - 1) / alignment * alignment;
        foreach (var (name, offset, bytes) in tensors)
        {
            if (offset % alignment != 0)
            {
                return Broken($"tensor '{name}' data offset {offset:N0} is not aligned to {alignment}");
            }

            var end = checked(dataStart + offset + (bytes ?? 0));
            if (end > (ulong)length)
            {
                return Broken($"truncated: tensor '{name}' ends at byte {end:N0}, file has {length:N0}");
            }
        }

        return FormatCheck.Ok(Format);
    }

    private static FormatCheck Broken(string message) => FormatCheck.Broken(Format, message);
}
