using System.Globalization;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyDoctor.Core.Registry;

/// <summary>
/// Reads a registry file, JSON or YAML (<c>models: [{path, sha256, size?, urls?, kind?, family?}]</c>; kind and
/// family are <see cref="ModelKinds"/> / <see cref="ModelFamilies"/> codes or their display names). Every problem is reported
/// as <c>file:line: models[i].field: what is wrong</c>; nothing is half-read.
/// </summary>
public static class RegistryFileReader
{
    public static ModelRegistry Read(string fileName, TextReader text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(AsYaml(text.ReadToEnd())));
        }
        catch (YamlException e)
        {
            throw new RegistryFormatException($"{fileName}:{e.Start.Line}: not valid YAML or JSON: {Inner(e).Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new RegistryFormatException($"{fileName}:1: expected an object with a 'models' list");
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("models"), out var modelsNode) || modelsNode is not YamlSequenceNode models)
        {
            throw new RegistryFormatException($"{fileName}:{root.Start.Line}: 'models' is missing or is not a list");
        }

        var entries = new List<RegistryEntry>();
        var seen = new Dictionary<string, (int Index, long Line)>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < models.Children.Count; i++)
        {
            var entry = ReadEntry(fileName, i, models.Children[i]);
            var line = models.Children[i].Start.Line;
            if (seen.TryGetValue(entry.Identity, out var first))
            {
                throw new RegistryFormatException(
                    $"{fileName}:{line}: models[{i}].path: '{entry.Identity}' collides with models[{first.Index}] (line {first.Line}); identities must differ beyond letter case");
            }

            seen[entry.Identity] = (i, line);
            entries.Add(entry);
        }

        return new ModelRegistry(entries);
    }

    public static ModelRegistry ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(path, reader);
    }

    private static RegistryEntry ReadEntry(string file, int index, YamlNode node)
    {
        var where = $"models[{index}]";
        if (node is not YamlMappingNode map)
        {
            throw Error(file, node, where, "expected an object with 'path' and 'sha256'");
        }

        var pathNode = Scalar(file, map, where, "path", required: true)!;
        if (!ModelIdentity.TryParse(pathNode.Value, out var identity, out var problem))
        {
            throw Error(file, pathNode, where + ".path", problem);
        }

        var shaNode = Scalar(file, map, where, "sha256", required: true)!;
        var sha = shaNode.Value!.Trim().ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
        {
            throw Error(file, shaNode, where + ".sha256", $"expected 64 hex characters, got '{shaNode.Value}'");
        }

        long? size = null;
        if (Scalar(file, map, where, "size", required: false) is { } sizeNode)
        {
            if (!long.TryParse(sizeNode.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw Error(file, sizeNode, where + ".size", $"expected a non-negative whole number of bytes, got '{sizeNode.Value}'");
            }

            size = parsed;
        }

        return new RegistryEntry(identity.Value, sha, size, ReadUrls(file, map, where))
        {
            Kind = Code(file, map, where, "kind", ModelKinds.Parse, ModelKinds.Codes),
            Family = Code(file, map, where, "family", ModelFamilies.Parse, ModelFamilies.Codes),
        };
    }

    /// <summary>An optional kind or family: one of the known codes (or display names); <c>unknown</c> says nothing.</summary>
    private static string? Code(string file, YamlMappingNode map, string where, string field, Func<string, string?> parse, IEnumerable<string> codes)
    {
        if (Scalar(file, map, where, field, required: false) is not { } node)
        {
            return null;
        }

        var code = parse(node.Value!) ?? throw Error(file, node, $"{where}.{field}", $"'{node.Value}' is not one of {string.Join(", ", codes)}");
        return code == ModelKinds.Unknown ? null : code;
    }

    private static List<string> ReadUrls(string file, YamlMappingNode map, string where)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode("urls"), out var node))
        {
            return [];
        }

        if (node is not YamlSequenceNode list)
        {
            throw Error(file, node, where + ".urls", "expected a list of URLs");
        }

        var urls = new List<string>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            if (item is not YamlScalarNode { Value: { } url } || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https" or "file"))
            {
                throw Error(file, item, $"{where}.urls[{i}]", "expected an absolute http, https or file URL");
            }

            urls.Add(url);
        }

        return urls;
    }

    private static YamlScalarNode? Scalar(string file, YamlMappingNode map, string where, string field, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(field), out var node))
        {
            return required ? throw Error(file, map, $"{where}.{field}", "is missing") : null;
        }

        return node is YamlScalarNode { Value: { Length: > 0 } } scalar
            ? scalar
            : throw Error(file, node, $"{where}.{field}", "expected a non-empty value");
    }

    private static RegistryFormatException Error(string file, YamlNode node, string field, string problem) =>
        new($"{file}:{node.Start.Line}: {field}: {problem}");

    /// <summary>JSON is YAML once its tabs (legal in JSON only as whitespace outside strings) become spaces.</summary>
    private static string AsYaml(string content) =>
        content.TrimStart().StartsWith('{') ? content.Replace('\t', ' ') : content;

    private static Exception Inner(Exception e) => e.InnerException is { } inner ? Inner(inner) : e;
}
