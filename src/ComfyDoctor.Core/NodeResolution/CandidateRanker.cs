using System.Globalization;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>What a workflow says that helps choose between packs claiming the same node name.</summary>
/// <param name="Pinned">Normalised URLs of packs in the admin pins file.</param>
/// <param name="Hinted">Normalised URLs of packs named by the workflow's own <c>cnr_id</c>/<c>aux_id</c> hints.</param>
/// <param name="Coverage">Normalised URL → how many of the workflow's custom node types the pack can provide.</param>
internal sealed record RankContext(IReadOnlySet<string> Pinned, IReadOnlySet<string> Hinted, IReadOnlyDictionary<string, int> Coverage);

/// <summary>
/// Chooses among several packs for one node type, in this order: a pack the admin pinned; a pack the workflow's hints
/// name; the pack that provides the most of the workflow's custom node types; a repository named after the node; not a
/// self-declared fork; more GitHub stars; an older author account; listed earlier. The reason names the first rule that
/// separated the winner from the runner-up.
/// </summary>
internal static class CandidateRanker
{
    private sealed record Rule(string Name, Func<CatalogPack, string, RankContext, long> Score, Func<long, long, string> Explain);

    private static readonly Rule[] Rules =
    [
        new("pinned", (p, _, c) => c.Pinned.Contains(Key(p)) ? 1 : 0, (_, _) => "the admin pins file lists this pack"),
        new("hinted", (p, _, c) => c.Hinted.Contains(Key(p)) ? 1 : 0, (_, _) => "other nodes of this workflow name this pack in their cnr_id/aux_id"),
        new("coverage", (p, _, c) => c.Coverage.GetValueOrDefault(Key(p)), (w, r) => $"it provides {w} of this workflow's custom node types (next best {r})"),
        new("dedicated", (p, t, _) => Dedicated(p, t) ? 1 : 0, (_, _) => "its repository is named after the node"),
        new("original", (p, _, _) => p.LooksLikeFork ? 0 : 1, (_, _) => "the runner-up describes itself as a fork"),
        new("stars", (p, _, _) => p.Stars ?? -1, (w, r) => $"more GitHub stars ({Count(w)} vs {Count(r)})"),
        new("age", (p, _, _) => p.AuthorAccountAgeDays ?? -1, (w, r) => $"older author account ({Count(w)} vs {Count(r)} days)"),
        new("order", (p, _, _) => -p.ListOrder, (_, _) => "listed earlier in the catalog"),
    ];

    public static (CatalogPack Winner, string Reason, IReadOnlyList<CatalogPack> RunnersUp) Choose(
        IReadOnlyList<CatalogPack> candidates, string nodeType, RankContext context)
    {
        var scored = candidates
            .Select(p => (Pack: p, Scores: Rules.Select(r => r.Score(p, nodeType, context)).ToArray()))
            .ToList();
        scored.Sort((a, b) => Compare(b.Scores, a.Scores));
        var winner = scored[0];
        var runnerUp = scored[1];
        var deciding = Enumerable.Range(0, Rules.Length).First(i => winner.Scores[i] != runnerUp.Scores[i]);
        var reason = $"chosen over {scored.Count - 1} other pack{(scored.Count > 2 ? "s" : "")} ({RepoUrl.OwnerAndRepo(runnerUp.Pack.Url) ?? runnerUp.Pack.Url} next): "
            + Rules[deciding].Explain(winner.Scores[deciding], runnerUp.Scores[deciding]);
        return (winner.Pack, reason, scored.Skip(1).Select(s => s.Pack).ToList());
    }

    public static string Key(CatalogPack pack) => RepoUrl.Normalize(pack.Url);

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

    /// <summary>The repository is named after the node, give or take a ComfyUI prefix:
    /// <c>ComfyUI-PainterI2Vadvanced</c> for <c>PainterI2VAdvanced</c> (but not <c>ComfyUI-Color-Matcher</c> for <c>ColorMatch</c>).</summary>
    private static bool Dedicated(CatalogPack pack, string nodeType)
    {
        var repo = NodeCatalog.NormaliseName(RepoUrl.RepoName(pack.Url));
        foreach (var affix in (string[])["comfyui", "comfy"])
        {
            repo = repo.StartsWith(affix, StringComparison.Ordinal) ? repo[affix.Length..] : repo;
            repo = repo.EndsWith(affix, StringComparison.Ordinal) ? repo[..^affix.Length] : repo;
        }

        return repo.Length > 0 && string.Equals(repo, NodeCatalog.NormaliseName(nodeType), StringComparison.Ordinal);
    }

    private static string Count(long value) => value < 0 ? "unknown" : value.ToString("N0", CultureInfo.InvariantCulture);
}
