namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// The distributions <c>pip freeze</c> leaves out by default, so neither ComfyUI-Manager's <c>pips</c> nor ours lists them: pip
/// itself, and under Python older than 3.12 also setuptools, wheel and distribute (pip's <c>_dev_pkgs</c>).
/// </summary>
public static class PipFreeze
{
    private static readonly HashSet<string> BuildBackends = new(StringComparer.Ordinal) { "setuptools", "wheel", "distribute" };

    /// <summary>Whether freeze leaves out <paramref name="name"/> (normalised) under Python <paramref name="pythonVersion"/>
    /// (unknown: as before 3.12).</summary>
    public static bool LeavesOut(string name, string? pythonVersion) =>
        name == "pip" || (BuildBackends.Contains(name) && !AtLeast312(pythonVersion));

    /// <summary>Whether freeze leaves it out under some Python: never reported as a package no snapshot lists.</summary>
    public static bool MayLeaveOut(string name) => name == "pip" || BuildBackends.Contains(name);

    private static bool AtLeast312(string? version) =>
        version?.Split('.') is [var major, var minor, ..]
        && int.TryParse(major, out var a)
        && int.TryParse(minor, out var b)
        && (a, b).CompareTo((3, 12)) >= 0;
}
