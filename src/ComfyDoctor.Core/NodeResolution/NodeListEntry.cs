using System.Text.Json;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>One entry of <c>custom-node-list.json</c>'s <c>custom_nodes</c>.</summary>
internal sealed record NodeListEntry(
    string Reference,
    string? Id,
    string? Title,
    string? Author,
    string? Description,
    string InstallType,
    List<string> Files,
    List<string> Pip
)
{
    /// <summary>The URL the node map uses for the pack: the first file for a git clone, else the reference.</summary>
    public IEnumerable<string> Urls => Files.Take(1).Append(Reference);

    public static List<NodeListEntry> ReadAll(string fileName, Stream json)
    {
        using var document = CatalogJson.Parse(fileName, json);
        var root = CatalogJson.RootObject(fileName, document, "an object with a 'custom_nodes' list");
        if (!root.TryGetProperty("custom_nodes", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new NodeCatalogFormatException($"{fileName}: 'custom_nodes' is missing or is not a list");
        }

        var entries = new List<NodeListEntry>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var files = CatalogJson.Strings(item, "files");
            var reference = CatalogJson.String(item, "reference")
                ?? files.FirstOrDefault()
                ?? throw new NodeCatalogFormatException($"{fileName}: custom_nodes[{index}] has neither 'reference' nor 'files'");
            entries.Add(
                new NodeListEntry(
                    reference,
                    CatalogJson.String(item, "id"),
                    CatalogJson.String(item, "title"),
                    CatalogJson.String(item, "author"),
                    CatalogJson.String(item, "description"),
                    (CatalogJson.String(item, "install_type") ?? "git-clone").ToLowerInvariant(),
                    files,
                    CatalogJson.Strings(item, "pip")
                )
            );
            index++;
        }

        return entries;
    }
}
