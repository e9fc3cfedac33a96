namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// The install set, as a weighted set cover: the fewest packs that provide every unit, where a pack may join the set
/// only as the home of some unit (its best-ranked pack), as the only pack for some unit, or because it is in the set
/// already (pinned, or named by a hint). A bundle that is nobody's home weighs more than the originals it would replace
/// and never joins to save installs; a pack already in the set serves the copies it lists. Among sets of equal size,
/// the one that serves more units from their home wins. Exact branch and bound, with a bounded number of steps; past
/// that, every uncovered unit takes its home (always a cover).
/// </summary>
internal static class PackCover
{
    private const int MaxSteps = 200_000;

    public static IReadOnlySet<string> Choose(IReadOnlyList<ChoiceUnit> units, IReadOnlySet<string> fixedPacks)
    {
        var required = new HashSet<string>(fixedPacks, StringComparer.Ordinal);
        required.UnionWith(units.Where(u => u.Ranked.Count == 1).Select(u => u.Home.Key));
        var allowed = new HashSet<string>(required, StringComparer.Ordinal);
        allowed.UnionWith(units.Select(u => u.Home.Key));
        var options = units.Select(u => u.Ranked.Select(c => c.Key).Where(allowed.Contains).ToList()).ToList();

        var search = new Search(units, options);
        var homes = new HashSet<string>(required, StringComparer.Ordinal);
        homes.UnionWith(units.Where((_, i) => !options[i].Any(required.Contains)).Select(u => u.Home.Key));
        search.Offer(homes);
        search.Run(required);
        return search.Best;
    }

    private sealed class Search(IReadOnlyList<ChoiceUnit> units, List<List<string>> options)
    {
        private int steps;
        private int bestHomes;

        public HashSet<string> Best { get; private set; } = [];

        public void Offer(HashSet<string> chosen)
        {
            var homes = units.Count(u => chosen.Contains(u.Home.Key));
            if (Best.Count == 0 || chosen.Count < Best.Count || (chosen.Count == Best.Count && homes > bestHomes))
            {
                Best = new HashSet<string>(chosen, StringComparer.Ordinal);
                bestHomes = homes;
            }
        }

        public void Run(HashSet<string> chosen)
        {
            if (++steps > MaxSteps)
            {
                return;
            }

            var open = -1;
            for (var i = 0; i < options.Count; i++)
            {
                if (!options[i].Any(chosen.Contains) && (open < 0 || options[i].Count < options[open].Count))
                {
                    open = i;
                }
            }

            if (open < 0)
            {
                Offer(chosen);
                return;
            }

            if (chosen.Count + 1 > Best.Count)
            {
                return;
            }

            foreach (var pack in options[open])
            {
                chosen.Add(pack);
                Run(chosen);
                chosen.Remove(pack);
            }
        }
    }
}
