using System.Text;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// A payload the scan keeps because it could be a pickle inside the pickle: bytes (<c>BINBYTES</c>…) or text that
/// <c>_codecs.encode</c> may turn into bytes (protocols 0–2 write bytes that way). Kept in memory when small or when the
/// input cannot seek; otherwise only its place is kept and it is read back if, and only if, a loader is called on it.
/// </summary>
internal sealed class PickleData(long length, bool text, Func<byte[]> read)
{
    public long Length => length;

    /// <summary>Text (UTF-8 in the pickle), not bytes: only <c>_codecs.encode</c> makes bytes of it.</summary>
    public bool IsText => text;

    public byte[] Read() => read();

    public static PickleData InMemory(byte[] bytes, bool text) => new(bytes.Length, text, () => bytes);
}

/// <summary>A small tuple whose items the scan tracks (the arguments of a call).</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>
/// What a <c>REDUCE</c> leaves on the stack, as far as finding nested pickles and the state dict needs:
/// <c>_codecs.encode(text, 'latin1')</c> and <c>BytesIO</c>/<c>bytearray</c>/<c>bytes</c> of bytes are bytes;
/// <c>collections.OrderedDict()</c> is a dict; a <c>torch._utils._rebuild_*</c> (or <c>torch._tensor._rebuild_from_type_v2</c>)
/// call is a tensor, with the size tuple <c>_rebuild_tensor(_v2/_v3)</c> and <c>_rebuild_qtensor</c> take third as its
/// shape; anything else is unknown.
/// </summary>
internal static class PickleCalls
{
    private static readonly HashSet<string> Latin1 = new(StringComparer.OrdinalIgnoreCase)
    {
        "latin1",
        "latin-1",
        "latin_1",
        "iso-8859-1",
        "iso8859-1",
        "l1",
    };
    private static readonly HashSet<string> Utf8 = new(StringComparer.OrdinalIgnoreCase) { "utf-8", "utf8", "utf_8" };
    private static readonly HashSet<string> PassBytes = new(StringComparer.Ordinal)
    {
        "io.BytesIO",
        "_io.BytesIO",
        "builtins.bytearray",
        "builtins.bytes",
        "__builtin__.bytearray",
        "__builtin__.bytes",
    };

    private const string RebuildPrefix = "torch._utils._rebuild_";
    private const string FromType = "torch._tensor._rebuild_from_type_v2";

    public static object? Result(PickleGlobal callable, object? arguments)
    {
        var args = (arguments as PickleTuple)?.Items ?? [];
        var name = callable.ToString();
        if (name == "collections.OrderedDict" && args.Length == 0)
        {
            return new PickleDict();
        }

        if (name.StartsWith(RebuildPrefix, StringComparison.Ordinal) || name == FromType)
        {
            return Tensor(name, args);
        }

        if (name == "_codecs.encode" && args.Length is 1 or 2)
        {
            var encoding = args.Length == 2 ? args[1] as string : "utf-8";
            return encoding is null ? null : Encode(args[0], encoding);
        }

        return PassBytes.Contains(name) && args.Length == 1 && args[0] is PickleData { IsText: false } bytes ? bytes : null;
    }

    /// <summary>
    /// The tensor a rebuild call makes. A tensor subclass is <c>_rebuild_from_type_v2(func, type, args, state)</c>, where
    /// <c>func(*args)</c> rebuilds the plain tensor; a parameter wraps the tensor it is given.
    /// </summary>
    private static PickleTensor Tensor(string name, object?[] args) =>
        name[(name.LastIndexOf('.') + 1)..] switch
        {
            "_rebuild_tensor" or "_rebuild_tensor_v2" or "_rebuild_tensor_v3" or "_rebuild_qtensor" => new PickleTensor(
                args.Length > 2 ? Shape(args[2]) : null
            ),
            "_rebuild_parameter" or "_rebuild_parameter_with_state" => args.FirstOrDefault() as PickleTensor ?? new PickleTensor(null),
            "_rebuild_from_type_v2"
                when args.Length > 2
                    && args[0] is PickleGlobal func
                    && func.ToString().StartsWith(RebuildPrefix, StringComparison.Ordinal)
                    && args[2] is PickleTuple inner => Tensor(func.ToString(), inner.Items), // one level: torch._utils rebuilds never nest
            _ => new PickleTensor(null),
        };

    /// <summary>A tuple of integers; null for anything else (a size the scan did not track is unknown, not empty).</summary>
    private static long[]? Shape(object? size) =>
        size is PickleTuple tuple && tuple.Items.All(i => i is long) ? [.. tuple.Items.Cast<long>()] : null;

    private static PickleData? Encode(object? value, string encoding)
    {
        var text = value switch
        {
            string s => s,
            PickleData { IsText: true } data => Encoding.UTF8.GetString(data.Read()),
            _ => null,
        };
        if (text is null)
        {
            return null;
        }

        if (Utf8.Contains(encoding))
        {
            return PickleData.InMemory(Encoding.UTF8.GetBytes(text), text: false);
        }

        return Latin1.Contains(encoding) && text.All(c => c <= '\u00ff')
            ? PickleData.InMemory(Encoding.Latin1.GetBytes(text), text: false)
            : null;
    }
}
