using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ComfyDoctor.Agent.Models;

/// <summary>
/// Reads <c>extra_model_paths.yaml</c> the way ComfyUI's <c>utils/extra_config.py</c> does: each top-level section
/// may set <c>base_path</c> (env vars and <c>~</c> expanded, relative to the YAML's folder) and <c>is_default</c>;
/// every other key is a folder key whose value holds one path per line (a <c>|</c> block for several), each joined to
/// <c>base_path</c> or, without one, to the YAML's folder.
/// </summary>
public static class ExtraModelPathsReader
{
    /// <summary>Roots for model folder keys plus, separately, extra <c>custom_nodes</c> folders.</summary>
    public sealed record ExtraPaths(IReadOnlyList<ModelRoot> ModelRoots, IReadOnlyList<string> CustomNodeRoots);

    public static ExtraPaths Read(string yamlPath)
    {
        var fullPath = Path.GetFullPath(yamlPath);
        var yamlDir = Path.GetDirectoryName(fullPath)!;
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(fullPath);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{yamlPath}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}", e);
        }

        var roots = new List<ModelRoot>();
        var customNodes = new List<string>();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new ExtraPaths(roots, customNodes);
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode sections)
        {
            throw new InvalidDataException($"{yamlPath}:1: expected sections such as 'comfyui:' with folder keys below them");
        }

        foreach (var (nameNode, body) in sections.Children)
        {
            var section = ((YamlScalarNode)nameNode).Value ?? "";
            if (body is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            if (body is not YamlMappingNode map)
            {
                throw new InvalidDataException($"{yamlPath}:{body.Start.Line}: section '{section}' must map folder keys to paths");
            }

            ReadSection(yamlPath, yamlDir, section, map, roots, customNodes);
        }

        return new ExtraPaths(roots, customNodes);
    }

    private static void ReadSection(
        string yamlPath,
        string yamlDir,
        string section,
        YamlMappingNode map,
        List<ModelRoot> roots,
        List<string> customNodes
    )
    {
        string? basePath = null;
        var isDefault = false;
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            var value = (valueNode as YamlScalarNode)?.Value;
            if (key == "base_path" && value is not null)
            {
                basePath = Expand(value);
                basePath = Path.IsPathRooted(basePath) ? basePath : Path.GetFullPath(Path.Combine(yamlDir, basePath));
            }
            else if (key == "is_default")
            {
                isDefault = value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
            }
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (key is "base_path" or "is_default")
            {
                continue;
            }

            if (valueNode is not YamlScalarNode { Value: { } lines })
            {
                throw new InvalidDataException(
                    $"{yamlPath}:{valueNode.Start.Line}: '{section}.{key}' must be a path or a '|' block of paths"
                );
            }

            foreach (var line in lines.Split('\n'))
            {
                var entry = line.Trim();
                if (entry.Length == 0)
                {
                    continue;
                }

                var full = Path.GetFullPath(
                    basePath is not null ? Path.Combine(basePath, entry)
                    : Path.IsPathRooted(entry) ? entry
                    : Path.Combine(yamlDir, entry)
                );
                if (key == "custom_nodes")
                {
                    customNodes.Add(full);
                }
                else if (!ModelFolders.NonModelKeys.Contains(key))
                {
                    roots.Add(new ModelRoot(ModelFolders.Canonical(key), full, $"{yamlPath} [{section}]", isDefault));
                }
            }
        }
    }

    /// <summary><c>os.path.expandvars(os.path.expanduser(p))</c>: <c>~</c>, <c>$VAR</c>, <c>${VAR}</c>; unknown variables stay as
    /// written.</summary>
    internal static string Expand(string path)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var value =
            path == "~" ? home
            : path.StartsWith("~/", StringComparison.Ordinal) ? home + path[1..]
            : path;
        return System.Text.RegularExpressions.Regex.Replace(value, @"\$(\w+)|\$\{([^}]+)\}|%(\w+)%", m =>
        {
            var name =
                m.Groups[1].Success ? m.Groups[1].Value
                : m.Groups[2].Success ? m.Groups[2].Value
                : m.Groups[3].Value;
            return Environment.GetEnvironmentVariable(name) ?? m.Value;
        });
    }
}
