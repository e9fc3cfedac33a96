namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Learns the suffixes and prefixes a pack generates node types with, from the types a worker's ComfyUI reported for
/// it. An affix is learned when at least <see cref="MinTypes"/> of the pack's reported types carry it at a word
/// boundary (CamelCase or a separator), it is 4 characters or more, no core node carries it, and no shorter learned
/// affix of the pack already covers it (<c>MultiGPU</c>, not also <c>LoaderMultiGPU</c>).
/// </summary>
internal static class AffixLearner
{
    public const int MinTypes = 3;
    private const int MinLength = 4;

    public static IEnumerable<LearnedAffix> Learn(IEnumerable<KnownPackNodes> packs, CoreNodes core)
    {
        foreach (var pack in packs)
        {
            var types = pack.NodeTypes.Where(t => !core.Contains(t)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var isSuffix in (bool[])[true, false])
            {
                var counts = types
                    .SelectMany(t => Affixes(t, isSuffix).Distinct(StringComparer.Ordinal))
                    .GroupBy(a => a, StringComparer.Ordinal)
                    .Where(g =>
                        g.Count() >= MinTypes
                        && !core.Names.Any(n =>
                            isSuffix ? n.EndsWith(g.Key, StringComparison.Ordinal) : n.StartsWith(g.Key, StringComparison.Ordinal)
                        )
                    )
                    .OrderBy(g => g.Key.Length)
                    .ThenBy(g => g.Key, StringComparer.Ordinal);
                var kept = new List<string>();
                foreach (var group in counts)
                {
                    if (
                        kept.Any(k =>
                            isSuffix ? group.Key.EndsWith(k, StringComparison.Ordinal) : group.Key.StartsWith(k, StringComparison.Ordinal)
                        )
                    )
                    {
                        continue;
                    }

                    kept.Add(group.Key);
                    var examples = types.Where(t =>
                        t.Length > group.Key.Length
                        && (isSuffix ? t.EndsWith(group.Key, StringComparison.Ordinal) : t.StartsWith(group.Key, StringComparison.Ordinal))
                    );
                    yield return new LearnedAffix(group.Key, isSuffix, pack, examples.Take(3).ToList(), group.Count());
                }
            }
        }
    }

    /// <summary>The affixes of a name at word boundaries: <c>CLIPLoaderMultiGPU</c> → suffixes <c>LoaderMultiGPU</c>,
    /// <c>MultiGPU</c>; prefixes <c>CLIPLoader</c>, … (never the whole name); an acronym ends before its next word.</summary>
    private static IEnumerable<string> Affixes(string type, bool isSuffix)
    {
        for (var i = 1; i < type.Length; i++)
        {
            if (!IsBoundary(type, i))
            {
                continue;
            }

            var affix = isSuffix ? type[i..] : type[..i];
            if (affix.Trim().Length >= MinLength)
            {
                yield return affix;
            }
        }
    }

    private static bool IsBoundary(string s, int i) =>
        (char.IsUpper(s[i]) && (char.IsLower(s[i - 1]) || char.IsDigit(s[i - 1])))
        || (char.IsUpper(s[i]) && char.IsUpper(s[i - 1]) && i + 1 < s.Length && char.IsLower(s[i + 1])) // VAE|Multi
        || (!char.IsLetterOrDigit(s[i - 1]) && char.IsLetterOrDigit(s[i]))
        || (char.IsLetterOrDigit(s[i - 1]) && !char.IsLetterOrDigit(s[i]));
}
