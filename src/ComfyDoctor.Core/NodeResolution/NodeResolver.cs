using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Maps every node type workflows need to a pack, or says it is core or unresolved. Evidence, strongest first: admin
/// pin → core list → <c>cnr_id</c> (+ <c>ver</c>) → <c>aux_id</c> → preemptions → exact names and name patterns →
/// normalised names. When several packs qualify, <see cref="CandidateRanker"/> chooses and says why.
/// </summary>
public static class NodeResolver
{
    public static ResolutionReport Resolve(IEnumerable<WorkflowDocument> workflows, ResolveOptions options)
    {
        var core = options.Core ?? CoreNodes.Default.With(options.Catalog.CoreNodeNames);
        return new ResolutionReport(workflows.Select(w => Resolve(w, options, core)).ToList());
    }

    private static WorkflowResolution Resolve(WorkflowDocument workflow, ResolveOptions options, CoreNodes core)
    {
        var catalog = options.Catalog;
        var byType = workflow.Nodes.GroupBy(n => n.Type, StringComparer.Ordinal).ToList();

        // Pass 1: what each type's own nodes say.
        var hints = new Dictionary<string, HintMatch>(StringComparer.Ordinal);
        var notes = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var group in byType)
        {
            notes[group.Key] = [];
            if (!options.UseHints)
            {
                continue;
            }

            foreach (var node in group)
            {
                if (HintResolver.Resolve(node, catalog, notes[group.Key]) is { } match)
                {
                    hints[group.Key] = match;
                    break;
                }
            }
        }

        var custom = byType.Where(g => !core.Contains(g.Key)).Select(g => g.Key).ToList();
        var candidates = custom.ToDictionary(t => t, t => NameCandidates.Find(catalog, t), StringComparer.Ordinal);
        var context = new RankContext(
            options.Pins.Packs.Select(p => RepoUrl.Normalize(p.Url)).ToHashSet(RepoUrl.Comparer),
            hints.Values.Select(h => RepoUrl.Normalize(h.Pack.Url)).ToHashSet(RepoUrl.Comparer),
            candidates.Values.SelectMany(c => c.Packs.Select(p => CandidateRanker.Key(p.Pack)).Distinct(RepoUrl.Comparer))
                .GroupBy(u => u, RepoUrl.Comparer).ToDictionary(g => g.Key, g => g.Count(), RepoUrl.Comparer));
        var versions = new PackVersions(options.Pins, hints.Values);

        // Pass 2: decide each type.
        var results = new List<NodeTypeResolution>();
        foreach (var group in byType)
        {
            var type = group.Key;
            var result = Decide(type, group.ToList(), options, core, hints.GetValueOrDefault(type), candidates.GetValueOrDefault(type), context);
            if (result.Pack is { } pack)
            {
                result = result with { Version = versions.For(pack.Url, hints.GetValueOrDefault(type)) };
            }

            if (result.Status == ResolutionStatus.Unresolved && notes[type].Count > 0)
            {
                result = result with { Reason = result.Reason + "; " + string.Join("; ", notes[type]) };
            }

            results.Add(result);
        }

        return new WorkflowResolution(workflow.FileName, results, workflow.ModelReferences, workflow.Errors);
    }

    private static NodeTypeResolution Decide(
        string type, List<WorkflowNode> nodes, ResolveOptions options, CoreNodes core, HintMatch? hint, NameCandidates? names, RankContext context)
    {
        var catalog = options.Catalog;
        if (options.Pins.PackFor(type) is { } pin)
        {
            var known = catalog.FindByUrl(pin.Url);
            var pack = known is null ? new ResolvedPack(pin.Url, null, pin.Name, false) : HintResolver.ToResolved(known);
            return Resolved(type, pack, ResolutionEvidence.Pin, $"the admin pins file maps it to '{pin.Name}'", []);
        }

        if (core.Contains(type))
        {
            return new(type, ResolutionStatus.Core, null, null, ResolutionEvidence.CoreName, "a ComfyUI core node", []);
        }

        if (options.UseHints && nodes.Any(HintResolver.MarksCore))
        {
            return new(type, ResolutionStatus.Core, null, null, ResolutionEvidence.CoreName, "the workflow marks it as core (cnr_id comfy-core)", []);
        }

        if (hint is not null)
        {
            return Resolved(type, hint.Pack, hint.Evidence, hint.Reason, []);
        }

        if (names is { Packs.Count: > 0 })
        {
            return FromCandidates(type, names, context);
        }

        if (core.FindNormalised(type) is { } coreName)
        {
            return new(type, ResolutionStatus.Core, null, null, ResolutionEvidence.NormalisedName, $"the core node '{coreName}', written differently", []);
        }

        var normalised = NameCandidates.FindNormalised(catalog, type);
        return normalised.Packs.Count > 0
            ? FromCandidates(type, normalised, context)
            : new(type, ResolutionStatus.Unresolved, null, null, ResolutionEvidence.None, "no pack in the catalog lists this name, matches it by pattern or by normalised name", []);
    }

    private static NodeTypeResolution FromCandidates(string type, NameCandidates names, RankContext context)
    {
        if (names.Packs.Count == 1)
        {
            var (only, evidence) = names.Packs[0];
            return Resolved(type, HintResolver.ToResolved(only), evidence, Describe(evidence, only), []);
        }

        var (winner, reason, others) = CandidateRanker.Choose(names.Packs.Select(p => p.Pack).ToList(), type, context);
        var winning = names.Packs.First(p => ReferenceEquals(p.Pack, winner)).Evidence;
        return Resolved(type, HintResolver.ToResolved(winner), winning, Describe(winning, winner) + "; " + reason, others.Select(o => o.Url).ToList());
    }

    private static string Describe(ResolutionEvidence evidence, CatalogPack pack) => evidence switch
    {
        ResolutionEvidence.Preemption => "the pack's preemptions claim this name",
        ResolutionEvidence.ExactName => "the node map lists this name for the pack",
        ResolutionEvidence.Pattern => $"the pack's nodename_pattern '{pack.NodenamePattern}' matches",
        _ => "the pack lists this name written differently (case, spaces, '_' or '-')",
    };

    private static NodeTypeResolution Resolved(string type, ResolvedPack pack, ResolutionEvidence evidence, string reason, IReadOnlyList<string> alternatives) =>
        new(type, ResolutionStatus.Resolved, pack, null, evidence, reason, alternatives);
}
