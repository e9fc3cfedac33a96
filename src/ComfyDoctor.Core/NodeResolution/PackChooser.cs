namespace ComfyDoctor.Core.NodeResolution;

/// <summary>The pack chosen for one node type, and why.</summary>
/// <param name="Rule">The <see cref="ChoiceRules"/> name that decided, or null when only one pack qualified.</param>
internal sealed record TypeChoice(Candidate Winner, string? Rule, string Reason, IReadOnlyList<Candidate> RunnersUp, string? Family);

/// <summary>
/// Chooses packs for node types the way a person would: the fewest packs (<see cref="PackCover"/>), each node or family
/// from its original home unless a pack installed anyway already lists it, a family never split without a note. Used for
/// one workflow, or for the types of every registered workflow at once (one choice per type across the fleet).
/// </summary>
internal static class PackChooser
{
    public static Dictionary<string, TypeChoice> Choose(
        IReadOnlyDictionary<string, NameCandidates> types,
        IReadOnlySet<string> fixedPacks,
        IReadOnlyList<LearnedAffix> learned,
        RankContext context
    )
    {
        var units = ChoiceUnit.Build(types, learned, context);
        var chosen = PackCover.Choose(units, fixedPacks);
        var winners = units.ToDictionary(u => u, u => u.Ranked.First(c => chosen.Contains(c.Key)));
        var choices = new Dictionary<string, TypeChoice>(StringComparer.Ordinal);
        foreach (var (unit, winner) in winners)
        {
            var why = Why(unit, winner, winners, fixedPacks, context);
            for (var i = 0; i < unit.Types.Count; i++)
            {
                var type = unit.Types[i];
                var reason = winner.PerType[i].Detail + why.Text + Together(unit, type) + (unit.SplitNote is { } note ? "; " + note : "");
                var runnersUp = unit.Ranked.Where(c => c != winner).Select(c => c.PerType[i]).ToList();
                choices[type] = new TypeChoice(winner.PerType[i], why.Rule, reason, runnersUp, unit.Family);
            }
        }

        return choices;
    }

    private static (string? Rule, string Text) Why(
        ChoiceUnit unit,
        UnitCandidate winner,
        Dictionary<ChoiceUnit, UnitCandidate> winners,
        IReadOnlySet<string> fixedPacks,
        RankContext context
    )
    {
        if (unit.Ranked.Count == 1)
        {
            return (null, "");
        }

        var others = unit.Ranked.Count - 1;
        var otherText = $"{others} other pack{(others > 1 ? "s" : "")}";
        if (winner == unit.Home)
        {
            var next = unit.Ranked[1];
            var (rule, why) = CandidateRanker.Separate(winner, next, unit, context);
            return (rule, $"; chosen over {otherText} ({CandidateRanker.Short(next.Pack)} next): {why}");
        }

        var served = winners.Where(w => w.Key != unit && w.Value.Key == winner.Key).SelectMany(w => w.Key.Types).Take(3).ToList();
        var needed = fixedPacks.Contains(winner.Key)
            ? (context.Pinned.Contains(winner.Key) ? "the admin pins it" : "other nodes name it in their hints")
            : $"it is needed anyway for {string.Join(", ", served)}";
        var (_, homeWhy) = CandidateRanker.Separate(unit.Home, winner, unit, context);
        return (
            ChoiceRules.FewestPacks,
            $"; chosen over {otherText}: {needed}, so its copy saves installing {CandidateRanker.Short(unit.Home.Pack)}"
                + $" (the node's home by rank: {homeWhy})"
        );
    }

    private static string Together(ChoiceUnit unit, string type) =>
        unit.Types.Count < 2 ? "" : $"; kept with its family '{unit.Family}' ({string.Join(", ", unit.Types.Where(t => t != type))})";
}
