using System.Globalization;
using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// Version equality as pip judges <c>==</c> (PEP 440's normal form, without ordering): case and a leading <c>v</c> do
/// not matter, trailing zero release segments do not (<c>1.0</c> = <c>1.0.0</c>), numbers are numbers (<c>1.01</c> =
/// <c>1.1</c>), and the spellings of pre, post and dev releases are one (<c>1.0-RC1</c> = <c>1.0rc1</c>,
/// <c>1.0-1</c> = <c>1.0.post1</c>). A local label (<c>+cu124</c>) must match; <c>.</c>, <c>-</c> and <c>_</c> in it are one.
/// A snapshot that says <c>1.0.0</c> is met by the <c>1.0</c> pip installs for it.
/// </summary>
public static partial class PythonVersions
{
    public static bool Same(string? a, string? b) =>
        a is null || b is null ? a is null && b is null : string.Equals(Normal(a), Normal(b), StringComparison.Ordinal);

    /// <summary>The normal form used for <see cref="Same"/>; an unparsable version is only lower-cased and trimmed.</summary>
    public static string Normal(string version)
    {
        var text = version.Trim().ToLowerInvariant();
        var match = Pep440().Match(text);
        if (!match.Success)
        {
            return text;
        }

        var release = match.Groups["release"].Value.Split('.').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToList();
        while (release.Count > 1 && release[^1] == 0)
        {
            release.RemoveAt(release.Count - 1);
        }

        var normal = (match.Groups["epoch"].Success ? match.Groups["epoch"].Value + "!" : "") + string.Join('.', release);
        if (match.Groups["pre"].Success)
        {
            normal += PreTag(match.Groups["pre"].Value) + Number(match.Groups["preN"].Value);
        }

        if (match.Groups["post"].Success || match.Groups["postImplicit"].Success)
        {
            normal += ".post" + Number(match.Groups["post"].Success ? match.Groups["postN"].Value : match.Groups["postImplicit"].Value);
        }

        if (match.Groups["dev"].Success)
        {
            normal += ".dev" + Number(match.Groups["devN"].Value);
        }

        return match.Groups["local"].Success ? normal + "+" + LocalSeparators().Replace(match.Groups["local"].Value, ".") : normal;
    }

    private static string PreTag(string tag) =>
        tag switch
        {
            "alpha" or "a" => "a",
            "beta" or "b" => "b",
            _ => "rc",
        };

    private static string Number(string digits) =>
        digits.Length == 0 ? "0" : long.Parse(digits, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(
        @"^v?(?:(?<epoch>\d+)!)?(?<release>\d+(?:\.\d+)*)"
            + @"(?:[-_.]?(?<pre>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?<preN>\d*))?"
            + @"(?:-(?<postImplicit>\d+)|[-_.]?(?<post>post|rev|r)[-_.]?(?<postN>\d*))?"
            + @"(?:[-_.]?(?<dev>dev)[-_.]?(?<devN>\d*))?"
            + @"(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$"
    )]
    private static partial Regex Pep440();

    [GeneratedRegex("[-_.]")]
    private static partial Regex LocalSeparators();
}
