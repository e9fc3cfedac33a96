using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// Free and total space of each volume that holds a model root. On Linux the volume of a folder is the longest mount
/// point (from <c>/proc/self/mountinfo</c>) that contains its real path; elsewhere the drive root.
/// </summary>
public static class DiskProbe
{
    public static IReadOnlyList<DiskFacts> Measure(IEnumerable<string> roots)
    {
        var mounts = OperatingSystem.IsLinux() ? LinuxMounts() : [];
        return roots
            .Where(Directory.Exists)
            .Select(root => (Root: root, Mount: MountOf(RealPath(root), mounts)))
            .GroupBy(x => x.Mount, StringComparer.Ordinal)
            .Select(g => Facts(g.Key, g.Select(x => x.Root).ToList()))
            .OfType<DiskFacts>()
            .ToList();
    }

    private static DiskFacts? Facts(string mount, IReadOnlyList<string> roots)
    {
        try
        {
            var drive = new DriveInfo(mount);
            return new DiskFacts(mount, drive.TotalSize, drive.AvailableFreeSpace, roots);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    internal static string MountOf(string path, IReadOnlyList<string> mounts) =>
        mounts.Where(m => path == m || path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal))
              .MaxBy(m => m.Length) ?? Path.GetPathRoot(path) ?? "/";

    private static string RealPath(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            return new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>Mount points, field 5 of each <c>mountinfo</c> line (octal escapes such as <c>\040</c> decoded).</summary>
    private static List<string> LinuxMounts()
    {
        try
        {
            return File.ReadLines("/proc/self/mountinfo")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length > 4)
                .Select(fields => System.Text.RegularExpressions.Regex.Replace(fields[4], @"\\([0-7]{3})",
                    m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()))
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
