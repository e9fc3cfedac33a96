using System.Text.Json;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Reads the node types a worker's ComfyUI reported, with the <c>custom_nodes</c> folder each came from, in either of
/// two shapes:
/// <code>
/// {"worker": "gpu-01",                                   // ComfyDoctor's shape (the server feeds it from workers)
///  "nodes": {"CLIPLoaderMultiGPU": "ComfyUI-MultiGPU", "KSampler": null},   // type → pack folder; null or "" = core
///  "packs": {"ComfyUI-MultiGPU": "https://github.com/pollockjj/ComfyUI-MultiGPU"}}  // folder → repository, optional
/// </code>
/// or ComfyUI's own <c>GET /object_info</c> response, whose <c>python_module</c> is <c>custom_nodes.&lt;folder&gt;</c> for
/// a pack's node (<c>nodes</c>, <c>comfy_extras.*</c>, <c>comfy_api_nodes.*</c> for core). One
/// <see cref="KnownPackNodes"/> per folder. Problems are <see cref="NodeCatalogFormatException"/>s naming the file.
/// </summary>
public static class ObjectInfoReader
{
    public const string CustomNodesModule = "custom_nodes.";

    /// <summary>The pack folder of a node's <c>python_module</c> (<c>custom_nodes.ComfyUI-KJNodes</c> or a module below it →
    /// <c>ComfyUI-KJNodes</c>); null for core modules and names that are no plain folder name.</summary>
    public static string? PackFolder(string? module)
    {
        if (module is null || !module.StartsWith(CustomNodesModule, StringComparison.Ordinal))
        {
            return null;
        }

        var name = module[CustomNodesModule.Length..].Split('.')[0].Trim();
        return string.IsNullOrEmpty(name) || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is ".." or "." ? null : name;
    }

    public static IReadOnlyList<KnownPackNodes> ReadFile(string path, string? worker = null)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(path, stream, worker);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeCatalogFormatException($"{path}: cannot read: {e.Message}", e);
        }
    }

    public static IReadOnlyList<KnownPackNodes> Read(string fileName, Stream json, string? worker = null)
    {
        using var document = CatalogJson.Parse(fileName, json);
        var root = CatalogJson.RootObject(
            fileName,
            document,
            "an object: {worker, nodes: {type: folder}, packs: {folder: url}} or ComfyUI's /object_info"
        );
        var where = worker ?? CatalogJson.String(root, "worker") ?? Path.GetFileName(fileName);
        var byFolder = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Object)
        {
            foreach (var node in nodes.EnumerateObject())
            {
                var folder = node.Value.ValueKind switch
                {
                    JsonValueKind.String => node.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw new NodeCatalogFormatException(
                        $"{fileName}: nodes.{node.Name}: expected the pack folder's name (a string) or null for core"
                    ),
                };
                Add(byFolder, folder, node.Name);
            }

            if (root.TryGetProperty("packs", out var packs) && packs.ValueKind == JsonValueKind.Object)
            {
                foreach (var pack in packs.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    urls[pack.Name] = pack.Value.GetString()!;
                }
            }
        }
        else
        {
            foreach (var node in root.EnumerateObject().Where(n => n.Value.ValueKind == JsonValueKind.Object))
            {
                Add(byFolder, PackFolder(CatalogJson.String(node.Value, "python_module")), node.Name);
            }
        }

        return byFolder
            .Select(f => new KnownPackNodes(f.Key, urls.GetValueOrDefault(f.Key), f.Value, KnownNodeSource.ObjectInfo, where))
            .ToList();
    }

    private static void Add(Dictionary<string, List<string>> byFolder, string? folder, string type)
    {
        // A module path below the pack (custom_nodes.pack.sub) belongs to the pack's folder.
        if (folder is null || PackFolder(CustomNodesModule + folder) is not { } name)
        {
            return;
        }

        if (!byFolder.TryGetValue(name, out var list))
        {
            byFolder[name] = list = [];
        }

        list.Add(type);
    }
}
