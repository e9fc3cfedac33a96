using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>Files written whole or not at all: a temporary file beside the target, flushed to disk, then renamed over it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class InstalledFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode Executable =
        Private
        | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead
        | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead
        | UnixFileMode.OtherExecute;

    public const UnixFileMode Readable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Writes <paramref name="text"/> unless the file already holds exactly it (and has the mode); returns whether it
    /// wrote.</summary>
    public static bool WriteText(string path, string text, UnixFileMode mode)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes) && File.GetUnixFileMode(path) == mode)
        {
            return false;
        }

        Replace(path, mode, file => file.Write(bytes));
        return true;
    }

    /// <summary>Copies <paramref name="source"/> over <paramref name="path"/> atomically: a running old copy keeps its own inode.</summary>
    public static void Copy(string source, string path, UnixFileMode mode)
    {
        using var input = File.OpenRead(source);
        Replace(path, mode, input.CopyTo);
    }

    private static void Replace(string path, UnixFileMode mode, Action<FileStream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.new-{Environment.ProcessId}";
        try
        {
            using (
                var file = new FileStream(
                    temp,
                    new FileStreamOptions
                    {
                        Mode = FileMode.Create,
                        Access = FileAccess.Write,
                        UnixCreateMode = mode,
                    }
                )
            )
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temp, mode); // the umask may have narrowed the mode asked at creation
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
