using System.Globalization;
using System.Text.Json;
using ComfyDoctor.Cli.Commands;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyDoctor.Cli.Configuration;

/// <summary>
/// A <c>--config FILE</c>: one flat map, JSON or YAML, of option names (as on the command line, without the dashes; or
/// camelCase) to a value or a list of values. Every problem names the file, the line where YAML has one, and the key.
/// </summary>
public sealed class ConfigFile
{
    /// <summary>The largest config file read; a config file is a page, not a data set.</summary>
    public const long MaxBytes = 1 << 20;

    private ConfigFile(string path, IReadOnlyList<Entry> entries) => (Path, Entries) = (path, entries);

    /// <summary>One key: its name as written, its values, where it is (<c>file:line: key</c>).</summary>
    public sealed record Entry(string Key, IReadOnlyList<string> Values, string Origin);

    public string Path { get; }

    public IReadOnlyList<Entry> Entries { get; }

    public static ConfigFile Empty { get; } = new("", []);

    /// <summary>The same key for <c>max-result-mb</c>, <c>max_result_mb</c>, <c>maxResultMb</c> and <c>--max-result-mb</c>.</summary>
    public static string Normalize(string key) => string.Concat(key.TrimStart('-').Where(c => c is not ('-' or '_'))).ToLowerInvariant();

    public static ConfigFile Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new UsageException($"--config {path}: file not found");
        }

        if (info.Length > MaxBytes)
        {
            throw new UsageException($"--config {path}: {info.Length:N0} bytes is more than a config file may be ({MaxBytes:N0})");
        }

        var text = File.ReadAllText(path);
        var json = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        return new ConfigFile(path, json ? FromJson(path, text) : FromYaml(path, text));
    }

    private static List<Entry> FromJson(string path, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(
                text,
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }
            );
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}:{e.LineNumber + 1}: not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"{path}: expected an object of option names and values");
            }

            var entries = new List<Entry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var origin = $"{path}: {property.Name}";
                var values =
                    property.Value.ValueKind == JsonValueKind.Array
                        ? property.Value.EnumerateArray().Select(v => JsonScalar(v, origin)).ToList()
                        : [JsonScalar(property.Value, origin)];
                entries.Add(new Entry(property.Name, values, origin));
            }

            return entries;
        }
    }

    private static string JsonScalar(JsonElement value, string origin) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new UsageException(
                $"{origin}: expected a string, a number, true/false or a list of them, not "
                    + $"{value.ValueKind.ToString().ToLowerInvariant()}"
            ),
        };

    private static List<Entry> FromYaml(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new UsageException($"{path}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count == 0)
        {
            return [];
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode map)
        {
            throw new UsageException($"{path}: expected a map of option names and values");
        }

        var entries = new List<Entry>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var origin = $"{path}:{keyNode.Start.Line.ToString(CultureInfo.InvariantCulture)}: {key}";
            var values = value is YamlSequenceNode list
                ? list.Children.Select(v => YamlScalar(v, origin)).ToList()
                : [YamlScalar(value, origin)];
            entries.Add(new Entry(key, values, origin));
        }

        return entries;
    }

    private static string YamlScalar(YamlNode node, string origin) =>
        node is YamlScalarNode { Value: { } value }
            ? value
            : throw new UsageException($"{origin}: expected a value or a list of values (nested maps are not options)");
}
