using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// The path of a model file whose name is not UTF-8 (<see cref="ModelFile.RawPath"/>), for the one action taken on such a
/// file, quarantine: its identity text cannot be parsed into a path (it holds <c>\xNN</c>), so the raw bytes the scan
/// recorded are used, and only once their folder's real path is found inside a root of the identity's folder key.
/// </summary>
public static class RawModelPath
{
    public static NativePath Confined(ModelFile model, IReadOnlyList<ModelRoot> roots)
    {
        var raw = Convert.FromBase64String(model.RawPath ?? throw new ArgumentException("the model's path is UTF-8", nameof(model)));
        var slash = Array.LastIndexOf(raw, (byte)'/');
        var folderKey = model.Identity[..Math.Max(0, model.Identity.IndexOf('/', StringComparison.Ordinal))];
        var folder = slash > 0 ? Posix.RealPath(NativePath.FromBytes(raw.AsSpan(0, slash), model.Path)) : null;
        foreach (var root in roots.Where(r => r.FolderKey == folderKey))
        {
            if (folder is not null && Posix.RealPath(NativePath.Of(root.Path)) is { } realRoot && Inside(folder, realRoot))
            {
                return NativePath.FromBytes(raw, model.Path);
            }
        }

        throw new InvalidDataException($"{model.Identity}: its folder is not inside a model root of '{folderKey}'; nothing was moved");
    }

    private static bool Inside(byte[] folder, byte[] root) =>
        folder.AsSpan().SequenceEqual(root)
        || (folder.AsSpan().StartsWith(root) && folder.Length > root.Length && folder[root.Length] == (byte)'/');
}
