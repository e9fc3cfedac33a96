using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// Python distribution names and versions as pip compares them: names by PEP 503 (case-insensitive, runs of <c>-_.</c>
/// equal), and which names and versions are safe to hand to pip as <c>name==version</c>.
/// </summary>
public static partial class PythonPackageNames
{
    /// <summary><c>Pillow</c> → <c>pillow</c>, <c>ruamel.yaml</c> → <c>ruamel-yaml</c>, <c>typing_extensions</c> →
    /// <c>typing-extensions</c>.</summary>
    public static string Normalize(string name) => Separators().Replace(name.Trim(), "-").ToLowerInvariant();

    /// <summary>A distribution name as PEP 508 allows it (letters, digits, <c>-_.</c>, starting and ending with a letter or
    /// digit).</summary>
    public static bool IsValidName(string name) => name.Length is > 0 and <= 200 && ValidName().IsMatch(name);

    /// <summary>A version pip reads as one exact version: PEP 440's characters only (digits, letters, <c>.+!_-</c>), no
    /// spaces, operators, markers or options, so <c>name==version</c> can never smuggle anything else to pip.</summary>
    public static bool IsValidVersion(string version) => version.Length is > 0 and <= 128 && ValidVersion().IsMatch(version);

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex ValidName();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9.+!_-]*[A-Za-z0-9])?$")]
    private static partial Regex ValidVersion();
}
