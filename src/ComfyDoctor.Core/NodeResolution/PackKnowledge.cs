using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// What workers and pack code say about node types, indexed for the resolver: the types each known pack provides
/// (<see cref="KnownPackNodes"/>) and the affixes learned from <c>/object_info</c> (<see cref="LearnedAffix"/>). A
/// known pack is matched to the catalog by its URL, else by its folder name as a registry id or repository name; a pack
/// the catalog lacks is still a candidate when its URL is known, and is skipped with a warning when it is not.
/// </summary>
public sealed class PackKnowledge
{
    private readonly Dictionary<string, List<Candidate>> byType = new(StringComparer.Ordinal);
    private readonly List<(LearnedAffix Affix, CatalogPack Pack)> affixes = [];
    private readonly List<string> warnings = [];

    private PackKnowledge() { }

    public static PackKnowledge None { get; } = new();

    /// <summary>Known packs whose repository could not be told (no URL, folder name not in the catalog).</summary>
    public IReadOnlyList<string> Warnings => warnings;

    public IReadOnlyList<LearnedAffix> Affixes => affixes.Select(a => a.Affix).ToList();

    public static PackKnowledge Build(IReadOnlyList<KnownPackNodes> known, NodeCatalog catalog, CoreNodes core)
    {
        var knowledge = new PackKnowledge();
        var packs = new Dictionary<KnownPackNodes, CatalogPack>();
        foreach (var entry in known)
        {
            if (PackOf(entry, catalog) is not { } pack)
            {
                knowledge.warnings.Add(
                    $"{entry.Where}: custom_nodes/{entry.Folder}: no repository URL and no catalog pack of that name; "
                        + "its node types are not used"
                );
                continue;
            }

            packs[entry] = pack;
            foreach (var type in entry.NodeTypes.Where(t => !core.Contains(t)).Distinct(StringComparer.Ordinal))
            {
                if (!knowledge.byType.TryGetValue(type, out var list))
                {
                    knowledge.byType[type] = list = [];
                }

                if (!list.Any(c => CandidateRanker.Key(c.Pack) == CandidateRanker.Key(pack)))
                {
                    list.Add(new Candidate(pack, Evidence(entry.Source), Describe(entry)));
                }
            }
        }

        foreach (var affix in AffixLearner.Learn(packs.Keys.Where(k => k.Source == KnownNodeSource.ObjectInfo), core))
        {
            knowledge.affixes.Add((affix, packs[affix.From]));
        }

        return knowledge;
    }

    /// <summary>Whether the pack that <paramref name="entry"/> saw can be told (its URL, or its folder name in the catalog), so
    /// its node types would count.</summary>
    public static bool Identifies(KnownPackNodes entry, NodeCatalog catalog) => PackOf(entry, catalog) is not null;

    internal IReadOnlyList<Candidate> Providing(string nodeType) => byType.GetValueOrDefault(nodeType) ?? [];

    internal IReadOnlyList<Candidate> ByLearnedAffix(string nodeType) =>
        affixes
            .Where(a => a.Affix.Matches(nodeType))
            .GroupBy(a => CandidateRanker.Key(a.Pack))
            .Select(g => g.First())
            .Select(a => new Candidate(
                a.Pack,
                ResolutionEvidence.LearnedFamily,
                $"{a.Affix.From.Where}: ComfyUI reported {a.Affix.Count} types {(a.Affix.IsSuffix ? "ending in" : "starting with")} "
                    + $"'{a.Affix.Affix}' "
                    + $"from custom_nodes/{a.Affix.From.Folder} (e.g. {string.Join(", ", a.Affix.Examples)}): types it generates at "
                    + "run time"
            ))
            .ToList();

    private static CatalogPack? PackOf(KnownPackNodes entry, NodeCatalog catalog)
    {
        if (entry.Url is { Length: > 0 } url)
        {
            return catalog.FindByUrl(url)
                ?? new CatalogPack(
                    url,
                    null,
                    RepoUrl.RepoName(url),
                    null,
                    "git-clone",
                    [url],
                    [],
                    entry.NodeTypes,
                    null,
                    [],
                    null,
                    null,
                    int.MaxValue,
                    false
                );
        }

        return catalog.FindByCnrId(entry.Folder.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? entry.Folder[..^4] : entry.Folder);
    }

    private static ResolutionEvidence Evidence(KnownNodeSource source) =>
        source == KnownNodeSource.ObjectInfo ? ResolutionEvidence.ObjectInfo : ResolutionEvidence.WebCode;

    private static string Describe(KnownPackNodes entry) =>
        entry.Source == KnownNodeSource.ObjectInfo
            ? $"{entry.Where}: ComfyUI's /object_info reports it from custom_nodes/{entry.Folder}"
            : $"the pack's web code registers it as a frontend-only node ({entry.Where})";
}
