using System.Buffers.Binary;
using System.Text.Json;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Inventory;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// safetensors, as the reference implementation (huggingface/safetensors) validates it:
/// an unsigned 64-bit little-endian header length N with 1 &lt; N ≤ 100,000,000 and 8 + N ≤ file size; N bytes of UTF-8
/// JSON, an object without duplicate keys; an optional <c>__metadata__</c> object of string → string; every other key
/// a tensor <c>{dtype, shape, data_offsets: [begin, end]}</c> with a known dtype. Each tensor's elements (the product
/// of its shape, overflow-checked) × the dtype's bits must be whole bytes equal to end − begin; sorted by begin the
/// tensors must start at 0 and follow each other without gap or overlap, and the last end + 8 + N must be the file size
/// exactly — a download cut short, or bytes appended, are caught without knowing the file's hash.
/// Reads the 8-byte prefix and the header only (at most 100 MB); never the tensor data. The tensor names and shapes of a
/// header that parses are classified (<see cref="ArchitectureClassifier"/>) in the same pass: no second read.
/// </summary>
public static class SafetensorsChecker
{
    public const long MaxHeaderBytes = 100_000_000;
    private const string Format = "safetensors";

    /// <summary>Bits per element of each dtype (sub-byte types pack several elements per byte).</summary>
    private static readonly Dictionary<string, int> DtypeBits = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 8,
        ["U8"] = 8,
        ["I8"] = 8,
        ["F8_E4M3"] = 8,
        ["F8_E5M2"] = 8,
        ["F8_E8M0"] = 8,
        ["F8_E4M3FNUZ"] = 8,
        ["F8_E5M2FNUZ"] = 8,
        ["I16"] = 16,
        ["U16"] = 16,
        ["F16"] = 16,
        ["BF16"] = 16,
        ["I32"] = 32,
        ["U32"] = 32,
        ["F32"] = 32,
        ["I64"] = 64,
        ["U64"] = 64,
        ["F64"] = 64,
        ["C64"] = 64,
        ["F4"] = 4,
        ["F6_E2M3"] = 6,
        ["F6_E3M2"] = 6,
    };

    private sealed record Tensor(string Name, long Begin, long End, long[] Shape);

    public static FormatCheck Check(string path) => Check(NativePath.Of(path));

    public static FormatCheck Check(NativePath path)
    {
        using var file = NativeFile.OpenStream(path, 1);
        var length = file.Length;
        if (length < 8)
        {
            return Broken(Invariant($"file is {length} bytes; a safetensors file starts with an 8-byte header length"));
        }

        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            return Broken(
                Invariant($"header length {headerLength:N0} is outside 2..{MaxHeaderBytes:N0} bytes (not safetensors, or corrupt)")
            );
        }

        if ((long)headerLength > length - 8)
        {
            return Broken(Invariant($"truncated: header says {headerLength:N0} bytes of JSON, file has {length - 8:N0} after the length"));
        }

        var header = new byte[headerLength];
        file.ReadExactly(header);
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            return Broken("header is not valid UTF-8");
        }

        return CheckHeader(header, length - 8 - (long)headerLength);
    }

    private static FormatCheck CheckHeader(byte[] json, long dataLength)
    {
        var tensors = new List<Tensor>();
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Broken("header is not a JSON object");
            }

            if (Duplicate(root) is { } twice)
            {
                return Broken($"header names '{twice}' twice");
            }

            foreach (var property in root.EnumerateObject())
            {
                var problem = property.Name == "__metadata__" ? CheckMetadata(property.Value) : ReadTensor(property, tensors);
                if (problem is not null)
                {
                    return Broken(problem);
                }
            }
        }
        catch (JsonException e)
        {
            return Broken($"header is not valid JSON: {e.Message}");
        }

        var architecture = ArchitectureClassifier.Classify(tensors.Select(t => new TensorInfo(t.Name, t.Shape)).ToList());
        return CheckLayout(tensors, dataLength) with { Architecture = architecture };
    }

    private static string? Duplicate(JsonElement obj)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                return property.Name;
            }
        }

        return null;
    }

    /// <summary>A tensor's own fields named twice (without allocating: this runs once per tensor).</summary>
    private static string? RepeatedField(JsonElement tensor)
    {
        var seen = 0;
        foreach (var field in tensor.EnumerateObject())
        {
            var bit = field.Name switch
            {
                "dtype" => 1,
                "shape" => 2,
                "data_offsets" => 4,
                _ => 0,
            };
            if ((seen & bit) != 0)
            {
                return field.Name;
            }

            seen |= bit;
        }

        return null;
    }

    private static string? CheckMetadata(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return "__metadata__ is not an object";
        }

        if (Duplicate(metadata) is { } twice)
        {
            return $"__metadata__ names '{twice}' twice";
        }

        foreach (var entry in metadata.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                return $"__metadata__ value '{entry.Name}' is not a string";
            }
        }

        return null;
    }

    private static string? ReadTensor(JsonProperty property, List<Tensor> tensors)
    {
        var name = property.Name;
        var t = property.Value;
        if (t.ValueKind == JsonValueKind.Object && RepeatedField(t) is { } twice)
        {
            return $"tensor '{name}' names '{twice}' twice";
        }

        if (
            t.ValueKind != JsonValueKind.Object
            || !t.TryGetProperty("dtype", out var dtype)
            || dtype.ValueKind != JsonValueKind.String
            || !t.TryGetProperty("shape", out var shape)
            || shape.ValueKind != JsonValueKind.Array
            || !t.TryGetProperty("data_offsets", out var offsets)
            || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
        )
        {
            return $"tensor '{name}' lacks dtype, shape or data_offsets [begin, end]";
        }

        if (!DtypeBits.TryGetValue(dtype.GetString()!, out var bits))
        {
            return $"tensor '{name}' has unknown dtype '{dtype.GetString()}'";
        }

        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
        {
            return $"tensor '{name}' has data_offsets {offsets.GetRawText()} (need integers 0 ≤ begin ≤ end)";
        }

        long elements = 1;
        var dims = new long[shape.GetArrayLength()];
        try
        {
            var i = 0;
            foreach (var dim in shape.EnumerateArray())
            {
                if (!dim.TryGetInt64(out var d) || d < 0)
                {
                    return $"tensor '{name}' has shape {shape.GetRawText()} with a dimension that is not a non-negative integer";
                }

                elements = checked(elements * d);
                dims[i++] = d;
            }

            var totalBits = checked(elements * bits);
            if (totalBits % 8 != 0)
            {
                return Invariant(
                    $"tensor '{name}': {elements:N0} {dtype.GetString()} elements are {totalBits:N0} bits, not a whole number of bytes"
                );
            }

            if (totalBits / 8 != end - begin)
            {
                return Invariant($"tensor '{name}': {dtype.GetString()} × {shape.GetRawText()} is {totalBits / 8:N0} bytes ")
                    + Invariant($"but data_offsets span {end - begin:N0}");
            }
        }
        catch (OverflowException)
        {
            return $"tensor '{name}' has shape {shape.GetRawText()} whose size overflows";
        }

        tensors.Add(new Tensor(name, begin, end, dims));
        return null;
    }

    private static FormatCheck CheckLayout(List<Tensor> tensors, long dataLength)
    {
        var position = 0L;
        Tensor? previous = null;
        Tensor? cut = null;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin != position)
            {
                var where = previous is null ? "the start of the data" : Invariant($"the end of '{previous.Name}' ({position:N0})");
                return Broken(
                    tensor.Begin > position
                        ? Invariant($"gap: tensor '{tensor.Name}' starts at {tensor.Begin:N0}, after {where}")
                        : Invariant($"overlap: tensor '{tensor.Name}' starts at {tensor.Begin:N0}, before {where}")
                );
            }

            if (cut is null && tensor.End > dataLength)
            {
                cut = tensor;
            }

            position = tensor.End;
            previous = tensor;
        }

        if (cut is not null)
        {
            var missing =
                cut.Begin >= dataLength
                    ? "is missing"
                    : Invariant($"is cut at {dataLength - cut.Begin:N0} of {cut.End - cut.Begin:N0} bytes");
            return Broken(
                Invariant(
                    $"truncated: header says {position:N0} bytes of tensor data, file has {dataLength:N0} (tensor '{cut.Name}' {missing})"
                )
            );
        }

        return position < dataLength
            ? Broken(
                Invariant($"{dataLength - position:N0} trailing bytes after the last tensor ")
                    + Invariant($"(header says {position:N0} bytes of tensor data, file has {dataLength:N0})")
            )
            : FormatCheck.Ok(Format);
    }

    private static FormatCheck Broken(string message) => FormatCheck.Broken(Format, message);
}
