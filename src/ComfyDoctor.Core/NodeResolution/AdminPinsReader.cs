using ComfyDoctor.Core.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Reads an admin pins file, YAML or JSON:
/// <code>
/// packs:
///   - name: kjnodes
///     url: https://github.com/kijai/ComfyUI-KJNodes
///     version: 1.1.7          # semver, tag or commit; optional
/// nodes:
///   SetNode: kjnodes
/// </code>
/// Every problem is reported as <c>file:line: field: what is wrong</c>.
/// </summary>
public static class AdminPinsReader
{
    public static AdminPins ReadFile(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Read(path, reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeCatalogFormatException($"{path}: cannot read: {e.Message}", e);
        }
    }

    public static AdminPins Read(string fileName, TextReader text)
    {
        var content = text.ReadToEnd();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content.TrimStart().StartsWith('{') ? content.Replace('\t', ' ') : content));
        }
        catch (YamlException e)
        {
            throw new NodeCatalogFormatException(
                $"{fileName}:{e.Start.Line}: not valid YAML or JSON: {(e.InnerException ?? e).Message}",
                e
            );
        }

        if (stream.Documents.Count == 0)
        {
            return AdminPins.Empty;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(fileName, stream.Documents[0].RootNode, "", "expected an object with 'packs' and/or 'nodes'");
        }

        var packs = ReadPacks(fileName, root);
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Children.TryGetValue(new YamlScalarNode("nodes"), out var nodesNode))
        {
            if (nodesNode is not YamlMappingNode map)
            {
                throw Error(fileName, nodesNode, "nodes", "expected an object of {NodeType: pack name}");
            }

            foreach (var (key, value) in map.Children)
            {
                var type = (key as YamlScalarNode)?.Value ?? "";
                if (value is not YamlScalarNode { Value: { Length: > 0 } packName })
                {
                    throw Error(fileName, value, $"nodes.{type}", "expected the name of a pack listed under 'packs'");
                }

                if (!packs.Any(p => string.Equals(p.Name, packName, StringComparison.Ordinal)))
                {
                    throw Error(fileName, value, $"nodes.{type}", $"pack '{packName}' is not listed under 'packs'");
                }

                nodes[type] = packName;
            }
        }

        return new AdminPins(packs, nodes);
    }

    private static List<PinnedPack> ReadPacks(string fileName, YamlMappingNode root)
    {
        var packs = new List<PinnedPack>();
        if (!root.Children.TryGetValue(new YamlScalarNode("packs"), out var packsNode))
        {
            return packs;
        }

        if (packsNode is not YamlSequenceNode list)
        {
            throw Error(fileName, packsNode, "packs", "expected a list of {name, url, version}");
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var where = $"packs[{i}]";
            if (list.Children[i] is not YamlMappingNode item)
            {
                throw Error(fileName, list.Children[i], where, "expected an object with 'name' and 'url'");
            }

            var name = Scalar(fileName, item, where, "name", required: true)!;
            var url = Scalar(fileName, item, where, "url", required: true)!;
            if (!Uri.TryCreate(RepoUrl.Normalize(url), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "file"))
            {
                throw Error(fileName, item, where + ".url", $"'{url}' is not a repository URL");
            }

            if (packs.Any(p => string.Equals(p.Name, name, StringComparison.Ordinal)))
            {
                throw Error(fileName, item, where + ".name", $"'{name}' is listed twice");
            }

            packs.Add(new PinnedPack(name, url, Scalar(fileName, item, where, "version", required: false)));
        }

        return packs;
    }

    private static string? Scalar(string fileName, YamlMappingNode map, string where, string field, bool required)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(field), out var node))
        {
            return required ? throw Error(fileName, map, $"{where}.{field}", "is missing") : null;
        }

        return node is YamlScalarNode { Value: { Length: > 0 } value }
            ? value.Trim()
            : throw Error(fileName, node, $"{where}.{field}", "expected a non-empty value");
    }

    private static NodeCatalogFormatException Error(string fileName, YamlNode node, string field, string problem) =>
        new($"{fileName}:{node.Start.Line}: {(field.Length > 0 ? field + ": " : "")}{problem}");
}
