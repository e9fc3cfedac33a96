using System.Globalization;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Models;
using YamlDotNet.Core;

namespace ComfyDoctor.Core.Registry;

/// <summary>
/// Reads a registry file, JSON or YAML (<c>models: [{path, sha256, size?, urls?, kind?, family?}]</c>; kind and
/// family are <see cref="ModelKinds"/> / <see cref="ModelFamilies"/> codes or their display names). Every problem is reported
/// as <c>file:line: models[i].field: what is wrong</c>; nothing is half-read.
/// </summary>
public static class RegistryFileReader
{
    /// <summary>The largest registry file read: a million entries with a URL each take about 250 MiB.</summary>
    public const long MaxBytes = 512L << 20;

    public static ModelRegistry Read(string fileName, TextReader text) => Read(fileName, text, MaxBytes);

    /// <summary>Reads at most <paramref name="maxChars"/> characters; past them the file is refused, saying so.</summary>
    public static ModelRegistry Read(string fileName, TextReader text, long maxChars)
    {
        var events = new RegistryEvents(
            new Parser(
                new BoundedText(text, maxChars, () =>
                    TooLarge(
                        fileName,
                        $"more than {maxChars:N0} characters",
                        maxChars == MaxBytes ? $"{MaxBytes >> 20} MiB" : $"{maxChars:N0} characters"
                    )
                )
            ),
            fileName
        );
        var entries = new List<RegistryEntry>();
        var seen = new Dictionary<string, (int Index, long Line)>(StringComparer.OrdinalIgnoreCase);
        try
        {
            events.OpenModels();
            for (var i = 0; events.Next() is var (line, fields); i++)
            {
                var entry = ReadEntry(fileName, i, line, fields);
                if (seen.TryGetValue(entry.Identity, out var first))
                {
                    throw new RegistryFormatException(
                        $"{fileName}:{line}: models[{i}].path: '{entry.Identity}' collides with models[{first.Index}] (line "
                            + $"{first.Line}); identities must differ beyond letter case"
                    );
                }

                seen[entry.Identity] = (i, line);
                entries.Add(entry);
            }
        }
        catch (YamlException e)
        {
            throw new RegistryFormatException($"{fileName}:{e.Start.Line}: not valid YAML or JSON: {Inner(e).Message}", e);
        }

        return new ModelRegistry(entries);
    }

    /// <summary>Reads a registry file as a stream, refusing one over <see cref="MaxBytes"/> before reading it.</summary>
    public static ModelRegistry ReadFile(string path)
    {
        if (new FileInfo(path).Length is var length and > MaxBytes)
        {
            throw TooLarge(path, $"{length:N0} bytes", $"{MaxBytes >> 20} MiB");
        }

        using var reader = new StreamReader(path);
        return Read(path, reader);
    }

    private static RegistryEntry ReadEntry(string file, int index, long line, Dictionary<string, RegistryValue>? fields)
    {
        var where = $"models[{index}]";
        if (fields is null)
        {
            throw new RegistryFormatException($"{file}:{line}: {where}: expected an object with 'path' and 'sha256'");
        }

        var (pathLine, path) = Scalar(file, line, fields, where, "path", required: true)!.Value;
        if (!ModelIdentity.TryParse(path, out var identity, out var problem))
        {
            throw Error(file, pathLine, where + ".path", problem);
        }

        var (shaLine, shaValue) = Scalar(file, line, fields, where, "sha256", required: true)!.Value;
        var sha = shaValue.Trim().ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
        {
            throw Error(file, shaLine, where + ".sha256", $"expected 64 hex characters, got '{shaValue}'");
        }

        long? size = null;
        if (Scalar(file, line, fields, where, "size", required: false) is var (sizeLine, sizeValue))
        {
            if (!long.TryParse(sizeValue, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw Error(file, sizeLine, where + ".size", $"expected a non-negative whole number of bytes, got '{sizeValue}'");
            }

            size = parsed;
        }

        return new RegistryEntry(identity.Value, sha, size, ReadUrls(file, fields, where))
        {
            Kind = Code(file, line, fields, where, "kind", ModelKinds.Parse, ModelKinds.Codes),
            Family = Code(file, line, fields, where, "family", ModelFamilies.Parse, ModelFamilies.Codes),
        };
    }

    /// <summary>An optional kind or family: one of the known codes (or display names); <c>unknown</c> says nothing.</summary>
    private static string? Code(
        string file,
        long entryLine,
        Dictionary<string, RegistryValue> fields,
        string where,
        string field,
        Func<string, string?> parse,
        IEnumerable<string> codes
    )
    {
        if (Scalar(file, entryLine, fields, where, field, required: false) is not var (valueLine, value))
        {
            return null;
        }

        var code = parse(value) ?? throw Error(file, valueLine, $"{where}.{field}", $"'{value}' is not one of {string.Join(", ", codes)}");
        return code == ModelKinds.Unknown ? null : code;
    }

    private static List<string> ReadUrls(string file, Dictionary<string, RegistryValue> fields, string where)
    {
        if (!fields.TryGetValue("urls", out var node))
        {
            return [];
        }

        if (node.Items is not { } items)
        {
            throw Error(file, node.Line, where + ".urls", "expected a list of URLs");
        }

        var urls = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            if (
                items[i].Scalar is not { } url
                || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https" or "file")
            )
            {
                throw Error(file, items[i].Line, $"{where}.urls[{i}]", "expected an absolute http, https or file URL");
            }

            urls.Add(url);
        }

        return urls;
    }

    private static (long Line, string Value)? Scalar(
        string file,
        long entryLine,
        Dictionary<string, RegistryValue> fields,
        string where,
        string field,
        bool required
    )
    {
        if (!fields.TryGetValue(field, out var node))
        {
            return required ? throw Error(file, entryLine, $"{where}.{field}", "is missing") : null;
        }

        return node.Scalar is { Length: > 0 } value
            ? (node.Line, value)
            : throw Error(file, node.Line, $"{where}.{field}", "expected a non-empty value");
    }

    private static RegistryFormatException Error(string file, long line, string field, string problem) =>
        new($"{file}:{line}: {field}: {problem}");

    private static RegistryFormatException TooLarge(string file, string size, string limit) =>
        new($"{file}: {size} is over the limit of {limit} for a registry file; split it, or import it into a server in parts");

    private static Exception Inner(Exception e) => e.InnerException is { } inner ? Inner(inner) : e;
}
