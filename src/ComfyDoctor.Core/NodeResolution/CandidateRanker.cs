using System.Globalization;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>What the workflow (or the fleet) says that helps choose between packs, beyond the packs themselves.</summary>
/// <param name="Pinned">Keys (<see cref="CandidateRanker.Key"/>) of packs in the admin pins file.</param>
/// <param name="Hinted">Keys of packs named by the workflows' own <c>cnr_id</c>/<c>aux_id</c> hints.</param>
internal sealed record RankContext(IReadOnlySet<string> Pinned, IReadOnlySet<string> Hinted, NodeCatalog Catalog);

/// <summary>A pack that can provide every node type of a <see cref="ChoiceUnit"/>, with its evidence for each.</summary>
internal sealed record UnitCandidate(CatalogPack Pack, IReadOnlyList<Candidate> PerType)
{
    public string Key => CandidateRanker.Key(Pack);

    /// <summary>The weakest evidence over the unit's types (the one to report).</summary>
    public Candidate Weakest => PerType.FirstOrDefault(c => !c.IsExact) ?? PerType[0];
}

/// <summary>
/// Orders the packs that can provide a node (or a family of nodes) by how likely each is their original home: a pack
/// the admin pinned; a pack the workflow's hints name; a repository named after the node or its family
/// (<c>rgthree-comfy</c> for <c>(rgthree)</c>); not a self-declared fork; not a bundle that repeats other packs' nodes
/// (<see cref="CatalogCopies"/>); naming the node exactly rather than by a pattern; more
/// GitHub stars; an older author account; listed earlier. The reason names the first rule that separates two packs.
/// </summary>
internal static class CandidateRanker
{
    private sealed record Rule(
        string Name,
        Func<UnitCandidate, ChoiceUnit, RankContext, long> Score,
        Func<long, long, UnitCandidate, RankContext, string> Explain
    );

    private static readonly Rule[] Rules =
    [
        new(ChoiceRules.Pinned, (c, _, x) => x.Pinned.Contains(c.Key) ? 1 : 0, (_, _, _, _) => "the admin pins file lists this pack"),
        new(
            ChoiceRules.Hinted,
            (c, _, x) => x.Hinted.Contains(c.Key) ? 1 : 0,
            (_, _, _, _) => "other nodes name this pack in their cnr_id/aux_id"
        ),
        new(
            ChoiceRules.Dedicated,
            (c, u, _) => Dedicated(c.Pack, u) ? 1 : 0,
            (_, _, _, _) => "its repository is named after the node or its family"
        ),
        new(
            ChoiceRules.Exact,
            (c, _, _) => c.PerType.Count(t => t.IsExact),
            (_, _, _, _) => "it names the node itself; the runner-up only matches it by a pattern or a spelling"
        ),
        new(ChoiceRules.NotFork, (c, _, _) => c.Pack.LooksLikeFork ? 0 : 1, (_, _, _, _) => "the runner-up describes itself as a fork"),
        new(
            ChoiceRules.Original,
            (c, _, x) => CatalogCopies.IsBundle(x.Catalog, c.Pack) ? 0 : 1,
            (_, _, loser, x) =>
                $"the runner-up repeats other packs' nodes ({Percent(CatalogCopies.ShareOf(x.Catalog, loser.Pack))} "
                + "of its names are listed by more popular packs)"
        ),
        new(ChoiceRules.Stars, (c, _, _) => c.Pack.Stars ?? -1, (w, r, _, _) => $"more GitHub stars ({Count(w)} vs {Count(r)})"),
        new(
            ChoiceRules.Age,
            (c, _, _) => c.Pack.AuthorAccountAgeDays ?? -1,
            (w, r, _, _) => $"older author account ({Count(w)} vs {Count(r)} days)"
        ),
        new(ChoiceRules.Order, (c, _, _) => -c.Pack.ListOrder, (_, _, _, _) => "listed earlier in the catalog"),
    ];

    /// <summary>The candidates, best first.</summary>
    public static IReadOnlyList<UnitCandidate> Rank(IReadOnlyList<UnitCandidate> candidates, ChoiceUnit unit, RankContext context)
    {
        var scored = candidates.Select(c => (Candidate: c, Scores: Scores(c, unit, context))).ToList();
        scored.Sort((a, b) => Compare(b.Scores, a.Scores));
        return scored.Select(s => s.Candidate).ToList();
    }

    /// <summary>The first rule that puts <paramref name="winner"/> before <paramref name="loser"/>, and why, in words.</summary>
    public static (string Rule, string Why) Separate(UnitCandidate winner, UnitCandidate loser, ChoiceUnit unit, RankContext context)
    {
        var w = Scores(winner, unit, context);
        var l = Scores(loser, unit, context);
        var i = Enumerable.Range(0, Rules.Length).FirstOrDefault(i => w[i] != l[i], Rules.Length - 1);
        return (Rules[i].Name, Rules[i].Explain(w[i], l[i], loser, context));
    }

    /// <summary>The identity of a pack in every choice: its normalised URL, lower case.</summary>
    public static string Key(CatalogPack pack) => RepoUrl.Normalize(pack.Url).ToLowerInvariant();

    public static string Short(CatalogPack pack) => RepoUrl.OwnerAndRepo(pack.Url) ?? pack.Url;

    private static long[] Scores(UnitCandidate candidate, ChoiceUnit unit, RankContext context) =>
        Rules.Select(r => r.Score(candidate, unit, context)).ToArray();

    private static int Compare(long[] a, long[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return a[i].CompareTo(b[i]);
            }
        }

        return 0;
    }

    /// <summary>The repository is named after the node, give or take a ComfyUI prefix (<c>ComfyUI-PainterI2Vadvanced</c>
    /// for <c>PainterI2VAdvanced</c>, not <c>ComfyUI-Color-Matcher</c> for <c>ColorMatch</c>), or its name contains the
    /// family's tag (<c>rgthree-comfy</c> for <c>Seed (rgthree)</c>, <c>ComfyUI-Inspire-Pack</c> for <c>//Inspire</c>).</summary>
    private static bool Dedicated(CatalogPack pack, ChoiceUnit unit)
    {
        var repo = NodeCatalog.NormaliseName(RepoUrl.RepoName(pack.Url));
        if (unit.Family is { } family && NodeFamily.Tag(family) is { Length: >= 3 } tag && repo.Contains(tag, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var affix in (string[])["comfyui", "comfy"])
        {
            repo = repo.StartsWith(affix, StringComparison.Ordinal) ? repo[affix.Length..] : repo;
            repo = repo.EndsWith(affix, StringComparison.Ordinal) ? repo[..^affix.Length] : repo;
        }

        return repo.Length > 0 && unit.Types.Any(t => string.Equals(repo, NodeCatalog.NormaliseName(t), StringComparison.Ordinal));
    }

    private static string Count(long value) => value < 0 ? "unknown" : value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(double share) => share.ToString("P0", CultureInfo.InvariantCulture);
}
