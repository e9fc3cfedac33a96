using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>What every workflow of one resolution is resolved against.</summary>
internal sealed record ResolveSetting(ResolveOptions Options, CoreNodes Core, PackKnowledge Knowledge)
{
    public static ResolveSetting Of(ResolveOptions options)
    {
        var core = options.Core ?? CoreNodes.Default.With(options.Catalog.CoreNodeNames);
        return new(
            options,
            core,
            options.Known.Count == 0 ? PackKnowledge.None : PackKnowledge.Build(options.Known, options.Catalog, core)
        );
    }
}

/// <summary>
/// Maps every node type workflows need to a pack, or says it is core or unresolved. Evidence, strongest first: admin
/// pin → core list → <c>cnr_id</c> (+ <c>ver</c>) → <c>aux_id</c> → preemptions → exact names, name patterns, workers'
/// <c>/object_info</c> and packs' web code → affixes learned from <c>/object_info</c> → normalised names. When several
/// packs qualify, <see cref="PackChooser"/> chooses the install set and says why.
/// </summary>
public static class NodeResolver
{
    /// <summary>One decision per workflow: each workflow gets the fewest packs for its own node types.</summary>
    public static ResolutionReport Resolve(IEnumerable<WorkflowDocument> workflows, ResolveOptions options)
    {
        var setting = ResolveSetting.Of(options);
        return new ResolutionReport(
            workflows
                .Select(w =>
                {
                    var prepared = PreparedWorkflow.Read(w, setting);
                    return prepared.Finish(Choose([prepared], setting), fleet: false);
                })
                .ToList()
        );
    }

    /// <summary>
    /// One decision across the fleet: the node types of all the workflows (every registered workflow) are chosen
    /// together, so a type gets one pack everywhere and the fleet installs the fewest packs; a type a workflow's own
    /// pin or hint decides keeps that answer in that workflow.
    /// </summary>
    public static ResolutionReport ResolveFleet(IEnumerable<WorkflowDocument> workflows, ResolveOptions options)
    {
        var setting = ResolveSetting.Of(options);
        var prepared = workflows.Select(w => PreparedWorkflow.Read(w, setting)).ToList();
        var choices = Choose(prepared, setting);
        return new ResolutionReport(prepared.Select(p => p.Finish(choices, fleet: true)).ToList());
    }

    private static Dictionary<string, TypeChoice> Choose(IReadOnlyList<PreparedWorkflow> prepared, ResolveSetting setting)
    {
        var types = new Dictionary<string, NameCandidates>(StringComparer.Ordinal);
        foreach (var (type, candidates) in prepared.SelectMany(p => p.Pending))
        {
            types.TryAdd(type, candidates);
        }

        var pinned = setting.Options.Pins.Packs.Select(p => Key(p.Url)).ToHashSet(StringComparer.Ordinal);
        var hinted = prepared.SelectMany(p => p.HintedPacks).Select(Key).ToHashSet(StringComparer.Ordinal);
        var context = new RankContext(pinned, hinted, setting.Options.Catalog);
        return PackChooser.Choose(types, pinned.Union(hinted).ToHashSet(StringComparer.Ordinal), setting.Knowledge.Affixes, context);
    }

    private static string Key(string url) => RepoUrl.Normalize(url).ToLowerInvariant();
}
