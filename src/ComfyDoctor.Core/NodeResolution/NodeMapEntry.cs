using System.Text.Json;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>One entry of <c>extension-node-map.json</c>: <c>"url": [[names...], {title_aux, nodename_pattern?, preemptions?,
/// ...}]</c>.</summary>
internal sealed record NodeMapEntry(
    string Url,
    List<string> Names,
    string? Title,
    string? Author,
    string? Pattern,
    List<string> Preemptions
)
{
    public static List<NodeMapEntry> ReadAll(string fileName, Stream json)
    {
        using var document = CatalogJson.Parse(fileName, json);
        var root = CatalogJson.RootObject(fileName, document, "an object of {repository URL: [[node names], {metadata}]}");
        var entries = new List<NodeMapEntry>();
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 1 || value[0].ValueKind != JsonValueKind.Array)
            {
                throw new NodeCatalogFormatException($"{fileName}: entry '{property.Name}' is not [[node names], {{metadata}}]");
            }

            var names = value[0].EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!).ToList();
            var meta = value.GetArrayLength() > 1 ? value[1] : default;
            entries.Add(
                new NodeMapEntry(
                    property.Name,
                    names,
                    CatalogJson.String(meta, "title_aux") ?? CatalogJson.String(meta, "title"),
                    CatalogJson.String(meta, "author"),
                    CatalogJson.String(meta, "nodename_pattern"),
                    CatalogJson.Strings(meta, "preemptions")
                )
            );
        }

        return entries;
    }
}
