using System.Text.RegularExpressions;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// Free and total space of each volume that holds a model root. On Linux the volume of a folder is the longest mount
/// point (from <c>/proc/self/mountinfo</c>) that contains its real path (every symlink on the way resolved); elsewhere
/// the drive root. Free space is what an unprivileged user may still write (statvfs <c>f_bavail</c>). Roots that do
/// not exist are skipped; a volume that cannot be measured is a note.
/// </summary>
public static partial class DiskProbe
{
    private const int MaxLinkHops = 40;

    public static (IReadOnlyList<DiskFacts> Disks, IReadOnlyList<string> Notes) Measure(IEnumerable<string> roots)
    {
        var mounts = OperatingSystem.IsLinux() ? LinuxMounts() : [];
        var disks = new List<DiskFacts>();
        var notes = new List<string>();
        var volumes = roots
            .Where(Directory.Exists)
            .Distinct(StringComparer.Ordinal)
            .Select(root => (Root: root, Real: RealPath(root)))
            .GroupBy(x => MountOf(x.Real, mounts), StringComparer.Ordinal);
        foreach (var volume in volumes)
        {
            try
            {
                // statvfs of any path reports its file system; the root's own path works where the mount point is unreadable
                var drive = new DriveInfo(volume.First().Real);
                disks.Add(new DiskFacts(volume.Key, drive.TotalSize, drive.AvailableFreeSpace, [.. volume.Select(x => x.Root)]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                notes.Add($"disk space of {volume.Key} unknown: {e.Message}");
            }
        }

        return (disks, notes);
    }

    /// <summary>The longest of <paramref name="mounts"/> that is <paramref name="path"/> or a folder above it.</summary>
    internal static string MountOf(string path, IReadOnlyList<string> mounts) =>
        mounts.Where(m => path == m || path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal)).MaxBy(m => m.Length)
        ?? Path.GetPathRoot(path)
        ?? "/";

    /// <summary>The absolute path with every symlink along it resolved, like <c>realpath(3)</c>; unresolvable parts stay.</summary>
    internal static string RealPath(string path)
    {
        var hops = 0;
        return Resolve(Path.GetFullPath(path), ref hops);
    }

    private static string Resolve(string full, ref int hops)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            string? link;
            try
            {
                link = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                link = null;
            }

            if (link is not null && ++hops <= MaxLinkHops)
            {
                var rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                return Resolve(Path.Combine(Path.GetFullPath(link, current), rest), ref hops);
            }

            current = next;
        }

        return current;
    }

    /// <summary>Mount points, field 5 of each <c>mountinfo</c> line (octal escapes such as <c>\040</c> decoded).</summary>
    private static List<string> LinuxMounts()
    {
        try
        {
            return File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => OctalEscape().Replace(fields[4], m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"\\([0-7]{3})")]
    private static partial Regex OctalEscape();
}
