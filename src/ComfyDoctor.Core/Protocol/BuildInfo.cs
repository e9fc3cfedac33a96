using System.Reflection;
using System.Runtime.InteropServices;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// What a build of ComfyDoctor is and where it runs: the version and commit of its informational version
/// (<c>0.1.0+&lt;commit&gt;</c>, set in Directory.Build.props; <c>dev</c> when the build was not given a commit), the OS and the
/// architecture. Every assembly of a build carries the same one.
/// </summary>
public sealed record BuildInfo(string Version, string Commit, string Os, string Arch)
{
    /// <summary>This build, on this machine.</summary>
    public static BuildInfo Current { get; } = Of(typeof(BuildInfo).Assembly);

    public static BuildInfo Of(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0+dev";
        var (version, commit) = Split(informational);
        return new BuildInfo(version, commit, CurrentOs(), RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant());
    }

    /// <summary><c>0.1.0+abc</c> → (<c>0.1.0</c>, <c>abc</c>); no commit → <c>dev</c>.</summary>
    public static (string Version, string Commit) Split(string informational)
    {
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "dev") : (informational[..plus], informational[(plus + 1)..]);
    }

    /// <summary>The line <c>--version</c> prints: <c>comfydoctor 0.1.0 (commit abc, linux-x64)</c>.</summary>
    public string Describe(string program) => $"{program} {Version} (commit {Commit}, {Os}-{Arch})";

    private static string CurrentOs() =>
        OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsWindows() ? "windows"
        : OperatingSystem.IsMacOS() ? "macos"
        : RuntimeInformation.OSDescription;
}
