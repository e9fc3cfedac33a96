using System.Runtime.InteropServices;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Where files that a repair replaces go instead of being deleted: <c>&lt;folder&gt;/&lt;UTC date&gt;/&lt;file name&gt;.&lt;time&gt;</c>,
/// on the same volume as the model folders so the move is a rename. <see cref="Purge"/> removes days older than the retention.
/// </summary>
public sealed partial class Quarantine(string folder, TimeSpan retention)
{
    public string Folder => folder;

    /// <summary>Moves <paramref name="path"/> into quarantine and returns where it went.</summary>
    public string Keep(string path)
    {
        var kept = KeptPath(path);
        File.Move(path, kept);
        return kept;
    }

    /// <summary>Moves a file named by its bytes (a name that is not UTF-8) into quarantine, kept under its escaped name.</summary>
    public string Keep(FileSystem.NativePath path)
    {
        var kept = KeptPath(path.Text);
        var errno = FileSystem.Posix.Rename(path, FileSystem.NativePath.Of(kept));
        return errno == 0 ? kept : throw new IOException($"{path.Text}: not moved to quarantine: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// Keeps the file at <paramref name="path"/> in quarantine while leaving it in place, for a caller about to rename a new
    /// file over it: a hard link where the system has them, so the model path never stops existing (a reader sees the old
    /// file or the new one, never neither); elsewhere, or where the link is refused, the file is moved as by <see cref="Keep"/>.
    /// </summary>
    public string KeepBeforeReplace(string path)
    {
        var kept = KeptPath(path);
        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Link(path, kept) == 0)
        {
            return kept;
        }

        File.Move(path, kept);
        return kept;
    }

    private string KeptPath(string path)
    {
        var now = DateTime.UtcNow;
        var day = Path.Combine(folder, now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(day);
        return Path.Combine(day, $"{Path.GetFileName(path)}.{now:HHmmssfff}");
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    public void Purge()
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var day in Directory.GetDirectories(folder))
        {
            if (
                DateTime.TryParseExact(
                    Path.GetFileName(day),
                    "yyyy-MM-dd",
                    System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal,
                    out var date
                )
                && DateTime.UtcNow - date > retention
            )
            {
                Directory.Delete(day, recursive: true);
            }
        }
    }
}
