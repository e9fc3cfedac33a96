using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Models;

/// <summary>
/// All folders ComfyUI searches for models, in its order: for each folder key, <c>is_default</c> roots from the
/// YAML files first, then <c>&lt;models&gt;/&lt;folder&gt;</c>, then the other YAML roots, then (for the keys
/// <c>main.py</c> adds) <c>&lt;output&gt;/&lt;folder&gt;</c>. Also the <c>custom_nodes</c> folders (the base's own plus any
/// the YAML adds). The folders come from <see cref="ComfyUiPaths"/>: the installation's, or those its running ComfyUI
/// was started with.
/// </summary>
public static class ModelRootResolver
{
    /// <param name="Notes">YAML files named by ComfyUI's own arguments that could not be read, and what had to be assumed.</param>
    public sealed record Roots(IReadOnlyList<ModelRoot> ModelRoots, IReadOnlyList<string> CustomNodeRoots)
    {
        public IReadOnlyList<string> Notes { get; init; } = [];
    }

    /// <summary>The folder keys <c>main.py</c>'s <c>apply_custom_paths</c> adds under the output folder
    /// (<c>clip</c> is <c>text_encoders</c>).</summary>
    private static readonly (string Key, string Folder)[] OutputFolders =
    [
        ("checkpoints", "checkpoints"),
        ("text_encoders", "clip"),
        ("vae", "vae"),
        ("diffusion_models", "diffusion_models"),
        ("loras", "loras"),
    ];

    public static Roots Resolve(string comfyUiRoot, IEnumerable<string> extraYamlFiles) =>
        Resolve(ComfyUiPaths.Default(comfyUiRoot), extraYamlFiles);

    /// <param name="extraYamlFiles">The agent's or check's own <c>--extra-model-paths</c> files, read after ComfyUI's.</param>
    public static Roots Resolve(ComfyUiPaths paths, IEnumerable<string> extraYamlFiles)
    {
        var notes = new List<string>(paths.Notes);
        var extras = new List<ExtraModelPathsReader.ExtraPaths>();
        var own = Path.Combine(paths.Install, "extra_model_paths.yaml");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var comfyFiles = (File.Exists(own) ? [own] : Array.Empty<string>()).Concat(paths.ExtraConfigs);
        foreach (var file in comfyFiles.Where(f => seen.Add(Path.GetFullPath(f))))
        {
            try
            {
                extras.Add(ExtraModelPathsReader.Read(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                notes.Add($"{file} (ComfyUI's extra model paths) not read: {e.Message}");
            }
        }

        extras.AddRange(extraYamlFiles.Where(f => seen.Add(Path.GetFullPath(f))).Select(ExtraModelPathsReader.Read));
        var extraRoots = extras.SelectMany(e => e.ModelRoots).ToList();

        var ordered = new List<ModelRoot>();
        var keys = ModelFolders.Defaults.Select(d => d.Key).Concat(extraRoots.Select(r => r.FolderKey)).Distinct(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ordered.AddRange(extraRoots.Where(r => r.FolderKey == key && r.IsDefault));
            var defaults = ModelFolders.Defaults.FirstOrDefault(d => d.Key == key).Folders ?? [];
            ordered.AddRange(defaults.Select(folder => new ModelRoot(key, Path.Combine(paths.Models, folder), "default")));
            ordered.AddRange(extraRoots.Where(r => r.FolderKey == key && !r.IsDefault));
            ordered.AddRange(
                OutputFolders
                    .Where(o => o.Key == key)
                    .Select(o => new ModelRoot(key, Path.Combine(paths.Output, o.Folder), "output folder"))
            );
        }

        var distinct = ordered.DistinctBy(r => (r.FolderKey, r.Path)).ToList();
        var customNodes = new[] { Path.Combine(paths.Base, "custom_nodes") }
            .Concat(extras.SelectMany(e => e.CustomNodeRoots))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new Roots(distinct, customNodes) { Notes = notes };
    }
}
