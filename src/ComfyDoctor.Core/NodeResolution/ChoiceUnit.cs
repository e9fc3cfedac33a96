namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Node types that are chosen together: one type, or a family (<see cref="NodeFamily"/>) that one pack can provide
/// whole. <see cref="Ranked"/> holds the packs that provide every type of the unit, best home first.
/// </summary>
/// <param name="SplitNote">Why a family member stands alone (no pack provides the whole family), or null.</param>
internal sealed record ChoiceUnit(string? Family, IReadOnlyList<string> Types, string? SplitNote)
{
    public IReadOnlyList<UnitCandidate> Ranked { get; init; } = [];

    public UnitCandidate Home => Ranked[0];

    /// <summary>Groups the types by family; a family no single pack provides whole is split, with a note saying so.</summary>
    public static List<ChoiceUnit> Build(
        IReadOnlyDictionary<string, NameCandidates> types,
        IReadOnlyList<LearnedAffix> learned,
        RankContext context
    )
    {
        var units = new List<ChoiceUnit>();
        foreach (
            var group in types
                .Keys.Order(StringComparer.Ordinal)
                .GroupBy(t => NodeFamily.KeyOf(t, learned) ?? "\0" + t, StringComparer.Ordinal)
        )
        {
            var members = group.ToList();
            var family = group.Key.StartsWith('\0') ? null : group.Key;
            var common = Common(members, types);
            if (members.Count == 1 || common.Count > 0)
            {
                units.Add(Ranking(new ChoiceUnit(family, members, null), members.Count == 1 ? Common(members, types) : common, context));
                continue;
            }

            var note =
                $"no single pack provides its whole family '{family}' ({string.Join(", ", members)}), "
                + "so its members are chosen one by one";
            units.AddRange(members.Select(m => Ranking(new ChoiceUnit(family, [m], note), Common([m], types), context)));
        }

        return units;
    }

    private static ChoiceUnit Ranking(ChoiceUnit unit, IReadOnlyList<UnitCandidate> candidates, RankContext context) =>
        unit with
        {
            Ranked = CandidateRanker.Rank(candidates, unit, context),
        };

    /// <summary>The packs that are a candidate for every member, each with its evidence per member.</summary>
    private static List<UnitCandidate> Common(List<string> members, IReadOnlyDictionary<string, NameCandidates> types)
    {
        var first = types[members[0]].Packs;
        var common = new List<UnitCandidate>();
        foreach (var candidate in first)
        {
            var key = CandidateRanker.Key(candidate.Pack);
            var perType = members.Select(m => types[m].Packs.FirstOrDefault(c => CandidateRanker.Key(c.Pack) == key)).ToList();
            if (perType.All(c => c is not null))
            {
                common.Add(new UnitCandidate(candidate.Pack, perType!));
            }
        }

        return common;
    }
}
