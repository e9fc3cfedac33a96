namespace ComfyDoctor.Core.Nodes;

/// <summary>
/// The policy for a semver pin that names no release of the pack (issue 15.1: <c>7.5.2</c> between <c>7.5.1</c> and
/// <c>7.6</c>, never tagged): take the nearest OLDER release — the highest released version below the pin that keeps its
/// major version (for <c>0.x</c>, its minor version too: semver lets those break), never a newer one, never a
/// pre-release. The install then reports <c>node.version-mismatch</c> naming both; strict pins refuse instead.
/// </summary>
public static class NearestRelease
{
    /// <summary>A version the repository released: a tag, or the commit that set <c>pyproject.toml</c>'s version.</summary>
    /// <param name="Version">As written (<c>v1.2.3</c> or <c>1.2.3</c>).</param>
    /// <param name="Commit">The commit it names.</param>
    /// <param name="Source">Where it was found, for the report (<c>tag v1.2.3</c>, <c>pyproject.toml</c>).</param>
    public sealed record Release(string Version, string Commit, string Source);

    /// <summary>The release to take for <paramref name="wanted"/>, or null when none qualifies.</summary>
    public static Release? Choose(string wanted, IEnumerable<Release> releases)
    {
        if (Parse(wanted) is not { } pin)
        {
            return null;
        }

        return releases
            .Select(r => (Release: r, Version: Parse(r.Version)))
            .Where(x => x.Version is { } v && SameLine(v, pin) && Compare(v, pin) < 0)
            .OrderByDescending(x => x.Version!, Comparer<int[]>.Create(Compare))
            .Select(x => x.Release)
            .FirstOrDefault();
    }

    /// <summary><c>v1.2.3</c> → [1, 2, 3]; null for anything with a pre-release or build suffix, or not numeric.</summary>
    public static int[]? Parse(string version)
    {
        var text = version.Trim();
        text = text.StartsWith('v') || text.StartsWith('V') ? text[1..] : text;
        var parts = text.Split('.');
        if (parts.Length is < 1 or > 4)
        {
            return null;
        }

        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0 || !parts[i].All(char.IsAsciiDigit) || !int.TryParse(parts[i], out numbers[i]))
            {
                return null;
            }
        }

        return numbers;
    }

    public static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : 0;
            var y = i < b.Length ? b[i] : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        return 0;
    }

    private static bool SameLine(int[] version, int[] pin) => version[0] == pin[0] && (pin[0] != 0 || At(version, 1) == At(pin, 1));

    private static int At(int[] version, int i) => i < version.Length ? version[i] : 0;
}
