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

        // The deepest existing folder from the destination's up to the root; a root not made yet has nothing to lead out.
        var (full, rootFull) = (Path.GetFullPath(folder), Path.GetFullPath(root));
        var existing = full;
        while (!Directory.Exists(existing) && Below(existing, rootFull) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        if (Directory.Exists(existing) && !Inside(DiskProbe.RealPath(existing), root))
        {
            throw Outside(target, $"{existing} leads to {DiskProbe.RealPath(existing)}");
        }
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
        var realRoot = DiskProbe.RealPath(root);
        return real == realRoot || Below(real, realRoot);
    }

    private static bool Below(string path, string root) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static TransferException Outside(TransferTarget target, string how) =>
        new($"{target.Destination}: {how}, outside the model root {target.Root} (a folder was swapped for a symlink); nothing was written there")
        {
            OutsideRoot = true,
        };
}
