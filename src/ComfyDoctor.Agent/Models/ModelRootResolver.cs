using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Models;

/// <summary>
/// All folders ComfyUI searches for models, in its order: for each folder key, <c>is_default</c> roots from the
/// YAML files first, then <c>&lt;comfyui&gt;/models/&lt;folder&gt;</c>, then the other YAML roots.
/// Also the <c>custom_nodes</c> folders (the install's own plus any the YAML adds).
/// </summary>
public static class ModelRootResolver
{
    public sealed record Roots(IReadOnlyList<ModelRoot> ModelRoots, IReadOnlyList<string> CustomNodeRoots);

    public static Roots Resolve(string comfyUiRoot, IEnumerable<string> extraYamlFiles)
    {
        var root = Path.GetFullPath(comfyUiRoot);
        var yamlFiles = new List<string>();
        var own = Path.Combine(root, "extra_model_paths.yaml");
        if (File.Exists(own))
        {
            yamlFiles.Add(own);
        }

        yamlFiles.AddRange(extraYamlFiles);

        var extras = yamlFiles.Select(ExtraModelPathsReader.Read).ToList();
        var extraRoots = extras.SelectMany(e => e.ModelRoots).ToList();

        var ordered = new List<ModelRoot>();
        var keys = ModelFolders.Defaults.Select(d => d.Key).Concat(extraRoots.Select(r => r.FolderKey)).Distinct(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ordered.AddRange(extraRoots.Where(r => r.FolderKey == key && r.IsDefault));
            var defaults = ModelFolders.Defaults.FirstOrDefault(d => d.Key == key).Folders ?? [];
            ordered.AddRange(defaults.Select(folder => new ModelRoot(key, Path.Combine(root, "models", folder), "default")));
            ordered.AddRange(extraRoots.Where(r => r.FolderKey == key && !r.IsDefault));
        }

        var distinct = ordered.DistinctBy(r => (r.FolderKey, r.Path)).ToList();
        var customNodes = new[] { Path.Combine(root, "custom_nodes") }
            .Concat(extras.SelectMany(e => e.CustomNodeRoots))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new Roots(distinct, customNodes);
    }
}
