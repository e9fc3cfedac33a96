namespace ComfyDoctor.Core.NodeResolution;

/// <summary>The packs the catalog offers for a name, by the first rule that finds any, with each pack's evidence.</summary>
internal sealed record NameCandidates(IReadOnlyList<(CatalogPack Pack, ResolutionEvidence Evidence)> Packs)
{
    /// <summary>
    /// Preemptions first (they overrule every other claim); else exact names together with name patterns (a pattern is
    /// the pack's own declaration of the names it provides, so it competes with listings of the same name by forks and
    /// repackagers rather than being heard only when nobody lists the name).
    /// </summary>
    public static NameCandidates Find(NodeCatalog catalog, string nodeType)
    {
        if (catalog.Preempting(nodeType) is { Count: > 0 } preempting)
        {
            return new(preempting.Select(p => (p, ResolutionEvidence.Preemption)).ToList());
        }

        var found = catalog.Listing(nodeType).Select(p => (p, ResolutionEvidence.ExactName)).ToList();
        foreach (var pack in catalog.MatchingPattern(nodeType))
        {
            if (!found.Any(f => ReferenceEquals(f.p, pack)))
            {
                found.Add((pack, ResolutionEvidence.Pattern));
            }
        }

        return new(found);
    }

    public static NameCandidates FindNormalised(NodeCatalog catalog, string nodeType) =>
        new(catalog.ListingNormalised(nodeType).Select(p => (p, ResolutionEvidence.NormalisedName)).ToList());
}
