using ComfyDoctor.Agent.Runtime;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Keeps a transfer's writes inside its model root (<see cref="TransferTarget.Root"/>) when a folder on the way is swapped
/// for a symlink after the destination was resolved: the folder is checked by real path before it is created and again
/// before the rename, and the opened partial by the file its descriptor really refers to (<c>/proc/self/fd</c> on
/// Linux). What is left is the instant between the last check and the rename itself.
/// </summary>
internal static class RootConfinement
{
    public static void EnsureFolderInside(string folder, TransferTarget target)
    {
        if (target.Root is not { } root)
        {
            return;
        }

        var real = RealPathOfMaybeMissing(folder);
        if (!Inside(real, root))
        {
            throw Outside(target, $"{folder} leads to {real}");
        }
    }

    /// <summary>
    /// The real path a folder has, or will have once created: the real path of its nearest existing ancestor with the
    /// missing rest appended (a model root ComfyUI has not created yet, e.g. <c>models/text_encoders</c>, is no escape).
    /// </summary>
    private static string RealPathOfMaybeMissing(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        var rest = Path.GetRelativePath(existing, path);
        var real = DiskProbe.RealPath(existing);
        return rest == "." ? real : Path.Combine(real, rest);
    }

    public static void EnsureOpenedInside(FileStream file, TransferTarget target)
    {
        if (target.Root is not { } root)
        {
            return;
        }

        var descriptor = new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}");
        var real = OperatingSystem.IsLinux() && descriptor.LinkTarget is { } opened ? opened : DiskProbe.RealPath(file.Name);
        if (!Inside(real, root))
        {
            throw Outside(target, $"the partial file was opened at {real}");
        }
    }

    private static bool Inside(string real, string root)
    {
        var realRoot = RealPathOfMaybeMissing(root);
        return real == realRoot
            || real.StartsWith(realRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static TransferException Outside(TransferTarget target, string how) =>
        new(
            $"{target.Destination}: {how}, outside the model root {target.Root} (a folder was swapped for a symlink); nothing was "
                + "written there"
        )
        {
            OutsideRoot = true,
        };
}
