using System.Runtime.InteropServices;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// Moves a file or folder within one file system in one step, never over something already at the destination:
/// <c>renameat2(RENAME_NOREPLACE)</c> on Linux (an empty folder at the destination is refused too, where plain
/// <c>rename</c> would replace it); elsewhere, or where the file system does not take the flag, a check and
/// <c>Directory.Move</c>/<c>File.Move</c>.
/// </summary>
internal static partial class NoReplaceRename
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;
    private const int EEXIST = 17;
    private const int ENOSYS = 38;
    private const int EINVAL = 22;

    /// <summary>Null when moved; else why not (the destination exists, a permission, another file system…).</summary>
    public static string? Move(string from, string to)
    {
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess)
        {
            var result = NativeRenameat2(
                AtFdCwd,
                NativePath.Of(from).ZeroTerminated,
                AtFdCwd,
                NativePath.Of(to).ZeroTerminated,
                RenameNoReplace
            );
            var errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
            if (errno is not (ENOSYS or EINVAL))
            {
                return errno switch
                {
                    0 => null,
                    EEXIST => $"{to} already exists",
                    _ => $"{from} → {to}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})",
                };
            }
        }

        return Portable(from, to);
    }

    private static string? Portable(string from, string to)
    {
        if (Path.Exists(to) || new FileInfo(to).LinkTarget is not null)
        {
            return $"{to} already exists";
        }

        try
        {
            if (Directory.Exists(from))
            {
                Directory.Move(from, to);
            }
            else
            {
                File.Move(from, to, overwrite: false);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{from} → {to}: {e.Message}";
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static partial int NativeRenameat2(int oldDirFd, byte[] oldPath, int newDirFd, byte[] newPath, uint flags);
}
