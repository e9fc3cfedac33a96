using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Models;

/// <summary>
/// Joins a validated model identity to a model root, refusing any result that leaves the root — lexically, or through a
/// symlinked folder on the way (the real path of the deepest existing folder must still be inside the root's real path).
/// </summary>
public static class ModelPaths
{
    public static string Resolve(ModelRoot root, ModelIdentity identity)
    {
        var rootPath = Path.GetFullPath(root.Path);
        var full = Path.GetFullPath(Path.Combine(rootPath, identity.RelativePath));
        if (!IsInside(full, rootPath))
        {
            throw new InvalidDataException($"{identity}: resolves outside its model root {rootPath}");
        }

        var existing = Path.GetDirectoryName(full)!;
        while (!Directory.Exists(existing) && IsInside(existing, rootPath))
        {
            existing = Path.GetDirectoryName(existing)!;
        }

        var realRoot = Runtime.DiskProbe.RealPath(rootPath);
        var realExisting = Runtime.DiskProbe.RealPath(existing);
        if (Directory.Exists(existing) && !IsInside(realExisting, realRoot) && realExisting != realRoot)
        {
            throw new InvalidDataException($"{identity}: {existing} leads outside the model root {rootPath} through a symlink");
        }

        return full;
    }

    private static bool IsInside(string path, string root) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
