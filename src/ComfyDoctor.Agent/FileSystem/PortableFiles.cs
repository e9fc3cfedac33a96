using System.Text;
using ComfyDoctor.Agent.Hashing;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// <see cref="Posix"/>'s listing and <c>stat</c> where the C library is not at hand (Windows, macOS): through .NET, names
/// as .NET decodes them, and a folder's identity from its resolved path (no inode).
/// </summary>
internal static class PortableFiles
{
    public static Posix.Status Stat(string path, bool follow)
    {
        try
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                if (!follow)
                {
                    return new Posix.Status(0, FileKind.Symlink, default);
                }

                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            }

            if (!info.Exists)
            {
                return new Posix.Status(Posix.ENOENT, FileKind.Unknown, default);
            }

            // A file's stamp carries no identity here (as before NativePath): the path's hash is randomised per process, so
            // a cached hash would never match on the next run. Folders keep it: only the walk's visited set reads theirs.
            return info is FileInfo file
                ? new Posix.Status(0, FileKind.Regular, new FileStamp(file.Length, file.LastWriteTimeUtc.Ticks, 0, 0))
                : new Posix.Status(
                    0,
                    FileKind.Directory,
                    new FileStamp(0, info.LastWriteTimeUtc.Ticks, 0, (ulong)StringComparer.Ordinal.GetHashCode(info.FullName))
                );
        }
        catch (IOException)
        {
            return new Posix.Status(Posix.ELOOP, FileKind.Unknown, default);
        }
    }

    public static int ReadDirectory(string path, List<(byte[] Name, FileKind Kind)> entries)
    {
        try
        {
            foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
            {
                var kind =
                    entry.LinkTarget is not null ? FileKind.Symlink
                    : entry is DirectoryInfo ? FileKind.Directory
                    : FileKind.Regular;
                entries.Add((Encoding.UTF8.GetBytes(entry.Name), kind));
            }

            return 0;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Posix.EACCES;
        }
    }
}
