using System.Text.Json;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Server.Catalog;

/// <summary>Admin pins as stored: the <c>--pins</c> file's JSON form, read back by the CLI's own <see cref="AdminPinsReader"/>.</summary>
public static class PinsJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write(AdminPins pins) =>
        JsonSerializer.Serialize(
            new
            {
                packs = pins.Packs.Select(p => new
                {
                    name = p.Name,
                    url = p.Url,
                    version = p.Version,
                }),
                nodes = pins
                    .Nodes.OrderBy(n => n.Key, StringComparer.Ordinal)
                    .ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal),
            },
            Options
        );

    public static AdminPins Read(string json) => AdminPinsReader.Read("stored pins", new StringReader(json));

    /// <summary>The pins with <paramref name="nodeType"/> mapped to the pack at <paramref name="url"/> (named after its
    /// repository, or the name an existing pin of that repository already has).</summary>
    public static AdminPins WithNode(AdminPins pins, string nodeType, string url, string? version)
    {
        var packs = pins.Packs.ToList();
        var pack = pins.PackAt(url);
        if (pack is null)
        {
            var name = Core.Nodes.RepoUrl.RepoName(url);
            for (var i = 2; packs.Any(p => p.Name == name); i++)
            {
                name = $"{Core.Nodes.RepoUrl.RepoName(url)}-{i}";
            }

            pack = new PinnedPack(name, url, version);
            packs.Add(pack);
        }

        var nodes = new Dictionary<string, string>(pins.Nodes, StringComparer.Ordinal) { [nodeType] = pack.Name };
        return new AdminPins(packs, nodes);
    }

    public static string Describe(AdminPins pins) => $"{pins.Packs.Count} pinned packs, {pins.Nodes.Count} pinned node types";
}
