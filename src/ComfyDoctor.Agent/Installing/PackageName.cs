using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Installing;

/// <summary>Python distribution names compared as pip does (PEP 503: case-insensitive, runs of <c>-_.</c> equal).</summary>
internal static partial class PackageName
{
    public static string Normalize(string name) => Separators().Replace(name.Trim(), "-").ToLowerInvariant();

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();
}
