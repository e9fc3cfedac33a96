using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The header of a NumPy <c>.npy</c> array (<c>\x93NUMPY</c>, version, header length, then a Python dict literal with
/// <c>descr</c>, <c>fortran_order</c> and <c>shape</c>), as <c>numpy.lib.format</c> reads it. A dtype that holds Python
/// objects (<c>O</c> anywhere in <c>descr</c>, structured fields included) means the data is a pickle, which
/// <c>np.load(allow_pickle=True)</c> runs; otherwise the data is raw and its length must match the shape.
/// </summary>
internal sealed partial record NpyHeader(long DataStart, bool HoldsObjects, long? DataLength)
{
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>numpy refuses headers over 10,000 bytes unless the file is trusted (<c>allow_pickle</c>); 64 KiB is ample.</summary>
    private const int MaxHeader = 64 << 10;

    /// <summary>Reads the header from the start of <paramref name="stream"/>; the message says what is wrong, or the header is
    /// returned.</summary>
    public static (NpyHeader? Header, string? Problem) Read(Stream stream)
    {
        Span<byte> start = stackalloc byte[12];
        var got = stream.ReadAtLeast(start, 10, throwOnEndOfStream: false);
        if (got < 10 || !start.StartsWith(Magic))
        {
            return (null, "not a NumPy array (no \\x93NUMPY magic)");
        }

        var major = start[6];
        if (major is < 1 or > 3)
        {
            return (null, Invariant($"NumPy format version {major} does not exist (1–3 do)"));
        }

        long headerLength =
            major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(start[8..])
            : got < 12 ? -1
            : BinaryPrimitives.ReadUInt32LittleEndian(start[8..]);
        var prefix = major == 1 ? 10 : 12;
        if (headerLength is < 0 or > MaxHeader)
        {
            return (
                null,
                headerLength < 0
                    ? "truncated: the file ends inside the NumPy header"
                    : Invariant($"NumPy header of {headerLength:N0} bytes, longer than any array needs")
            );
        }

        var header = new byte[headerLength];
        var used = got - prefix;
        start[prefix..got].CopyTo(header);
        if (stream.ReadAtLeast(header.AsSpan(used), (int)headerLength - used, throwOnEndOfStream: false) < headerLength - used)
        {
            return (null, "truncated: the file ends inside the NumPy header");
        }

        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var descr = Descr().Match(text);
        var shape = Shape().Match(text);
        if (!descr.Success || !shape.Success)
        {
            return (null, "NumPy header without a descr or a shape numpy could read");
        }

        var types = Quoted().Matches(descr.Groups[1].Value).Select(m => m.Groups[m.Groups[1].Success ? 1 : 2].Value).ToList();
        var objects = types.Any(t => ObjectType().IsMatch(t));
        return (
            new NpyHeader(prefix + headerLength, objects, objects || types.Count != 1 ? null : Bytes(types[0], shape.Groups[1].Value)),
            null
        );
    }

    /// <summary>Bytes of a simple (one-type) array: item size × the product of the shape; null when it cannot be told.</summary>
    private static long? Bytes(string type, string shape)
    {
        var code = SimpleType().Match(type);
        if (!code.Success)
        {
            return null;
        }

        var item = long.Parse(code.Groups[2].Value, CultureInfo.InvariantCulture) * (code.Groups[1].Value == "U" ? 4 : 1);
        try
        {
            return shape
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Aggregate(item, (n, d) => checked(n * long.Parse(d.TrimEnd('L'), CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return null;
        }
    }

    [GeneratedRegex(
        @"['""]descr['""]\s*:\s*(.*?)\s*(?:,\s*['""](?:fortran_order|shape)['""]|,?\s*\}\s*$)",
        RegexOptions.Singleline | RegexOptions.NonBacktracking
    )]
    private static partial Regex Descr();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.NonBacktracking)]
    private static partial Regex Shape();

    [GeneratedRegex(@"'([^']*)'|""([^""]*)""", RegexOptions.NonBacktracking)]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^[<>|=]?O\d*$")]
    private static partial Regex ObjectType();

    [GeneratedRegex(@"^[<>|=]?([biufcSaUV])(\d+)$")]
    private static partial Regex SimpleType();
}
