using System.Diagnostics;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>
/// A small real tmpfs (or a ramfs, which has no size limit and refuses <c>O_DIRECT</c>) mounted on a folder (root only: CI runs as root).
/// Without root the test fails, naming why — it never passes without the real file system.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static Tmpfs Mount(string path, string size) => MountAs("tmpfs", path, "-o", $"size={size}");

    public static Tmpfs MountRamfs(string path) => MountAs("ramfs", path);

    private static Tmpfs MountAs(string type, string path, params string[] options)
    {
        Assert.True(Environment.UserName == "root", $"mounting a {type} needs root (CI runs the suite as root)");
        Directory.CreateDirectory(path);
        Run("mount", ["-t", type, .. options, type, path]);
        return new Tmpfs(path);
    }

    public long Free => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose() => Run("umount", "-l", Path);

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
