using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Makes sure no family (<see cref="NodeFamily"/>) of a workflow is split across packs without a printed reason: every
/// member of a family resolved to two packs or more says which member went where and why.
/// </summary>
internal static class FamilySplits
{
    private const string NoWholePack = "no single pack provides its whole family";

    public static List<NodeTypeResolution> Explain(List<NodeTypeResolution> results, IReadOnlyList<LearnedAffix> learned)
    {
        var withFamily = results
            .Select(r =>
                r.Status == ResolutionStatus.Resolved && NodeFamily.KeyOf(r.Type, learned) is { } key ? r with { Family = key } : r
            )
            .ToList();
        foreach (
            var family in withFamily.Where(r => r.Family is not null && r.Pack is not null).GroupBy(r => r.Family!, StringComparer.Ordinal)
        )
        {
            var packs = family.Select(r => RepoUrl.Normalize(r.Pack!.Url).ToLowerInvariant()).Distinct(StringComparer.Ordinal).Count();
            if (packs < 2)
            {
                continue;
            }

            var where = string.Join(", ", family.Select(r => $"{r.Type} → {RepoUrl.OwnerAndRepo(r.Pack!.Url) ?? r.Pack.Url} ({Cause(r)})"));
            foreach (var member in family)
            {
                var index = withFamily.IndexOf(member);
                var note = member.Reason.Contains(NoWholePack, StringComparison.Ordinal)
                    ? ""
                    : $"; its family '{family.Key}' spans {packs} packs";
                withFamily[index] = member with { Reason = member.Reason + note + $": {where}" };
            }
        }

        return withFamily;
    }

    private static string Cause(NodeTypeResolution r) =>
        r.Evidence switch
        {
            ResolutionEvidence.Pin => "its pin",
            ResolutionEvidence.CnrId or ResolutionEvidence.AuxId => "its own hint",
            ResolutionEvidence.Preemption => "a preemption",
            _ => r.Alternatives.Count == 0 ? "the only pack for it" : $"chosen by rule {r.Rule}",
        };
}
