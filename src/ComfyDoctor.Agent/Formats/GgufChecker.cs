using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Inventory;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// GGUF (versions 1–3, little-endian), as ggml's <c>gguf.cpp</c> and the <c>gguf</c> Python reader lay it out:
/// magic <c>GGUF</c>; u32 version; tensor count and metadata count (u64, u32 in v1), each at most 1,000,000 and no more
/// than the file could hold (a key/value takes ≥ 13 bytes, a tensor info ≥ 24; 9 and 20 in v1); the metadata pairs
/// (key string, u32 value type, value: u8/i8/u16/i16/u32/i32/f32/bool/string/array/u64/i64/f64; strings are a length
/// (u64, u32 in v1) then bytes; an array is an element type, a count and the elements), no key twice,
/// <c>general.alignment</c> a u32 power of two (default 32); then the tensor infos (name, n_dims ≤ 8, dims, ggml type,
/// offset), no name twice, each offset aligned, rows a whole number of quantization blocks, and the tensor data —
/// from the aligned end of the infos — inside the file. Types this table does not know (newer ggml) are not sized.
/// Every length is checked against the bytes left before it is used and values are skipped, not read: a hostile header
/// cannot make us allocate or loop for long. Keys and names are kept only to report duplicates (up to a budget).
/// The tensor names and dimensions (reversed: ggml lists the innermost first) and <c>general.architecture</c> are
/// classified (<see cref="ArchitectureClassifier"/>) in the same pass: no second read.
/// </summary>
public static class GgufChecker
{
    public const ulong MaxCount = 1_000_000;
    private const string Format = "gguf";
    private const ulong MaxStringBytes = 1 << 16;
    private const int MaxDims = 8;
    private const long MaxRememberedChars = 16 << 20;

    public static FormatCheck Check(NativePath path, CancellationToken ct = default)
    {
        using var file = NativeFile.OpenStream(path, 1 << 16, sequential: true);
        var reader = new GgufReader(file);
        var where = "the header";
        try
        {
            return Walk(reader, file.Length, ref where, ct);
        }
        catch (GgufReader.TruncatedException e)
        {
            return Broken($"truncated: {where}: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            return Broken($"{where}: {e.Message}");
        }
    }

    private static FormatCheck Walk(GgufReader r, long length, ref string where, CancellationToken ct)
    {
        if (length < 4 || !r.Bytes(4).AsSpan().SequenceEqual("GGUF"u8))
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
        var (minTensor, minKv) = version == 1 ? (20UL, 9UL) : (24UL, 13UL);
        if (tensorCount > MaxCount || kvCount > MaxCount || (tensorCount * minTensor) + (kvCount * minKv) > (ulong)length)
        {
            return Broken(
                Invariant(
                    $"header claims {tensorCount:N0} tensors and {kvCount:N0} metadata entries, more than a {length:N0}-byte file can hold"
                )
            );
        }

        var seen = new Remembered();
        ulong alignment = 32;
        string? architecture = null;
        for (ulong i = 0; i < kvCount; i++)
        {
            where = Invariant($"metadata entry {i + 1:N0} of {kvCount:N0}");
            var key = r.String(MaxStringBytes);
            where = Invariant($"metadata entry {i + 1:N0} of {kvCount:N0} ('{key}')");
            if (!seen.Add(key))
            {
                return Broken($"metadata key '{key}' appears twice");
            }

            var type = r.U32();
            if (key == "general.alignment")
            {
                if (type != 4)
                {
                    return Broken($"general.alignment has value type {type}; it must be a uint32 (4)");
                }

                alignment = r.U32();
                if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                {
                    return Broken($"general.alignment {alignment} is not a power of two");
                }
            }
            else if (key == "general.architecture" && type == 8)
            {
                architecture = r.String(MaxStringBytes);
            }
            else
            {
                r.SkipValue(type, depth: 0, ct);
            }
        }

        seen = new Remembered();
        (string Name, ulong End)? last = null;
        var tensors = new List<TensorInfo>((int)Math.Min(tensorCount, 1 << 16));
        for (ulong i = 0; i < tensorCount; i++)
        {
            ct.ThrowIfCancellationRequested();
            where = Invariant($"tensor info {i + 1:N0} of {tensorCount:N0}");
            var name = r.String(MaxStringBytes);
            where = Invariant($"tensor info {i + 1:N0} of {tensorCount:N0} ('{name}')");
            if (!seen.Add(name))
            {
                return Broken($"tensor '{name}' appears twice");
            }

            var dims = r.U32();
            if (dims > MaxDims)
            {
                return Broken($"tensor '{name}' has {dims} dimensions (at most {MaxDims})");
            }

            ulong elements = 1;
            ulong firstDim = 1;
            var overflow = false;
            var shape = new long[dims];
            for (var d = 0; d < dims; d++)
            {
                var size = r.Count();
                shape[dims - 1 - d] = (long)Math.Min(size, long.MaxValue);
                firstDim = d == 0 ? size : firstDim;
                overflow |= size > long.MaxValue || (size != 0 && elements > long.MaxValue / size);
                elements = overflow ? elements : elements * size;
            }

            var ggmlType = r.U32();
            var offset = r.U64();
            if (overflow)
            {
                return Broken($"tensor '{name}' has dimensions whose product overflows 64 bits");
            }

            if (offset % alignment != 0)
            {
                return Broken(Invariant($"tensor '{name}' data offset {offset:N0} is not a multiple of the alignment {alignment}"));
            }

            var bytes = 0UL;
            if (GgmlTypes.Find(ggmlType) is { } block)
            {
                if (firstDim % block.Elements != 0)
                {
                    return Broken(
                        Invariant($"tensor '{name}' has rows of {firstDim:N0} elements, ")
                            + Invariant($"not a multiple of its type's {block.Elements}-element blocks")
                    );
                }

                bytes = elements / block.Elements * block.Bytes;
            }

            tensors.Add(new TensorInfo(name, shape));
            var end = offset > ulong.MaxValue - bytes ? ulong.MaxValue : offset + bytes;
            if (last is null || end > last.Value.End)
            {
                last = (name, end);
            }
        }

        where = "the tensor data";
        var dataStart = ((ulong)r.Position + alignment - 1) / alignment * alignment;
        if (last is { } furthest && (furthest.End > (ulong)length || dataStart > (ulong)length - furthest.End))
        {
            var endsAt = furthest.End > ulong.MaxValue - dataStart ? "beyond 2^64" : Invariant($"at byte {dataStart + furthest.End:N0}");
            return Broken(Invariant($"truncated: tensor '{furthest.Name}' ends {endsAt}, file has {length:N0}"));
        }

        return FormatCheck.Ok(Format) with
        {
            Architecture = ArchitectureClassifier.Classify(tensors, architecture),
        };
    }

    private static FormatCheck Broken(string message) => FormatCheck.Broken(Format, message);

    /// <summary>Keys or names seen so far, to report a duplicate; past a budget of characters it stops remembering.</summary>
    private sealed class Remembered
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private long _chars;

        public bool Add(string value)
        {
            if (_chars + value.Length > MaxRememberedChars)
            {
                return true;
            }

            _chars += value.Length;
            return _seen.Add(value);
        }
    }
}
