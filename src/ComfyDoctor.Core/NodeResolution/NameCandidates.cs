namespace ComfyDoctor.Core.NodeResolution;

/// <summary>One pack that can provide a node type, with the evidence and its description.</summary>
internal sealed record Candidate(CatalogPack Pack, ResolutionEvidence Evidence, string Detail)
{
    /// <summary>Evidence that names the type itself, not a pattern or a spelling it resembles.</summary>
    public bool IsExact =>
        Evidence
            is ResolutionEvidence.Preemption
                or ResolutionEvidence.ExactName
                or ResolutionEvidence.ObjectInfo
                or ResolutionEvidence.WebCode;
}

/// <summary>The packs that can provide a name, by the first rule that finds any, with each pack's evidence.</summary>
internal sealed record NameCandidates(IReadOnlyList<Candidate> Packs)
{
    /// <summary>
    /// Preemptions first (they overrule every other claim); else exact names, name patterns, and what workers and pack
    /// code say (<see cref="PackKnowledge"/>), together (a pattern is the pack's own declaration of the names it
    /// provides, so it competes with listings of the same name by forks and repackagers); else the affixes learned from
    /// workers' <c>/object_info</c>; else names written differently (see <see cref="FindNormalised"/>).
    /// </summary>
    public static NameCandidates Find(NodeCatalog catalog, string nodeType, PackKnowledge knowledge)
    {
        if (catalog.Preempting(nodeType) is { Count: > 0 } preempting)
        {
            return new(
                preempting.Select(p => new Candidate(p, ResolutionEvidence.Preemption, "the pack's preemptions claim this name")).ToList()
            );
        }

        var found = catalog
            .Listing(nodeType)
            .Select(p => new Candidate(p, ResolutionEvidence.ExactName, "the node map lists this name for the pack"))
            .ToList();
        foreach (var pack in catalog.MatchingPattern(nodeType))
        {
            Add(found, new Candidate(pack, ResolutionEvidence.Pattern, $"the pack's nodename_pattern '{pack.NodenamePattern}' matches"));
        }

        foreach (var known in knowledge.Providing(nodeType))
        {
            Add(found, known);
        }

        return found.Count > 0 ? new(found) : new(knowledge.ByLearnedAffix(nodeType));
    }

    public static NameCandidates FindNormalised(NodeCatalog catalog, string nodeType) =>
        new(
            catalog
                .ListingNormalised(nodeType)
                .Select(p => new Candidate(
                    p,
                    ResolutionEvidence.NormalisedName,
                    "the pack lists this name written differently (case, spaces, '_' or '-')"
                ))
                .ToList()
        );

    /// <summary>Adds a candidate for a pack not yet found; a stronger word on a pack found by pattern replaces it.</summary>
    private static void Add(List<Candidate> found, Candidate candidate)
    {
        var index = found.FindIndex(f => CandidateRanker.Key(f.Pack) == CandidateRanker.Key(candidate.Pack));
        if (index < 0)
        {
            found.Add(candidate);
        }
        else if (!found[index].IsExact && candidate.IsExact)
        {
            found[index] = candidate;
        }
    }
}
