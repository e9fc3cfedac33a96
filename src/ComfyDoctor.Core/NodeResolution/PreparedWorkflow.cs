using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// One workflow between reading and choosing: the types its pins, the core list and its own hints decide
/// (<see cref="Decided"/>), and the types several packs may provide, left to <see cref="PackChooser"/> (<see cref="Pending"/>).
/// </summary>
internal sealed class PreparedWorkflow
{
    private readonly WorkflowDocument workflow;
    private readonly ResolveSetting setting;
    private readonly List<string> order = [];
    private readonly Dictionary<string, HintMatch> hints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> notes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeTypeResolution> decided = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NameCandidates> pending = new(StringComparer.Ordinal);

    private PreparedWorkflow(WorkflowDocument workflow, ResolveSetting setting)
    {
        this.workflow = workflow;
        this.setting = setting;
    }

    public IReadOnlyDictionary<string, NameCandidates> Pending => pending;

    public IEnumerable<string> HintedPacks => hints.Values.Select(h => h.Pack.Url);

    public static PreparedWorkflow Read(WorkflowDocument workflow, ResolveSetting setting)
    {
        var prepared = new PreparedWorkflow(workflow, setting);
        foreach (var group in workflow.Nodes.GroupBy(n => n.Type, StringComparer.Ordinal))
        {
            prepared.order.Add(group.Key);
            prepared.notes[group.Key] = [];
            prepared.ReadHints(group.Key, group);
        }

        foreach (var group in workflow.Nodes.GroupBy(n => n.Type, StringComparer.Ordinal))
        {
            if (prepared.Decide(group.Key, group.ToList()) is { } result)
            {
                prepared.decided[group.Key] = result;
            }
        }

        return prepared;
    }

    /// <summary>The workflow's resolution, pending types taking the chooser's answer
    /// (the fleet's, when <paramref name="fleet"/>).</summary>
    public WorkflowResolution Finish(IReadOnlyDictionary<string, TypeChoice> choices, bool fleet)
    {
        var versions = new PackVersions(setting.Options.Pins, hints.Values);
        var results = new List<NodeTypeResolution>();
        foreach (var type in order)
        {
            var result = decided.TryGetValue(type, out var known) ? known : FromChoice(type, choices[type], fleet);
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

        return new WorkflowResolution(
            workflow.FileName,
            FamilySplits.Explain(results, setting.Knowledge.Affixes),
            workflow.ModelReferences,
            workflow.Errors
        );
    }

    private void ReadHints(string type, IEnumerable<WorkflowNode> nodes)
    {
        if (!setting.Options.UseHints)
        {
            return;
        }

        foreach (var node in nodes)
        {
            if (HintResolver.Resolve(node, setting.Options.Catalog, notes[type]) is { } match)
            {
                hints[type] = match;
                return;
            }
        }
    }

    private NodeTypeResolution? Decide(string type, List<WorkflowNode> nodes)
    {
        var (options, core, catalog) = (setting.Options, setting.Core, setting.Options.Catalog);
        if (options.Pins.PackFor(type) is { } pin)
        {
            var known = catalog.FindByUrl(pin.Url);
            var pack = known is null ? new ResolvedPack(pin.Url, null, pin.Name, false) : HintResolver.ToResolved(known);
            return Resolved(type, pack, ResolutionEvidence.Pin, $"the admin pins file maps it to '{pin.Name}'");
        }

        if (core.Contains(type))
        {
            return new(type, ResolutionStatus.Core, null, null, ResolutionEvidence.CoreName, "a ComfyUI core node", []);
        }

        if (options.UseHints && nodes.Any(HintResolver.MarksCore))
        {
            return new(
                type,
                ResolutionStatus.Core,
                null,
                null,
                ResolutionEvidence.CoreName,
                "the workflow marks it as core (cnr_id comfy-core)",
                []
            );
        }

        if (hints.GetValueOrDefault(type) is { } hint)
        {
            return Resolved(type, hint.Pack, hint.Evidence, hint.Reason);
        }

        if (NameCandidates.Find(catalog, type, setting.Knowledge) is { Packs.Count: > 0 } names)
        {
            pending[type] = names;
            return null;
        }

        if (core.FindNormalised(type) is { } coreName)
        {
            return new(
                type,
                ResolutionStatus.Core,
                null,
                null,
                ResolutionEvidence.NormalisedName,
                $"the core node '{coreName}', written differently",
                []
            );
        }

        if (NameCandidates.FindNormalised(catalog, type) is { Packs.Count: > 0 } normalised)
        {
            pending[type] = normalised;
            return null;
        }

        return new(
            type,
            ResolutionStatus.Unresolved,
            null,
            null,
            ResolutionEvidence.None,
            "no pack in the catalog lists this name, matches it by pattern or by normalised name, and no worker or pack code reports it",
            []
        );
    }

    private NodeTypeResolution FromChoice(string type, TypeChoice choice, bool fleet)
    {
        var pack = choice.Winner.Pack;
        var resolved = new ResolvedPack(pack.Url, pack.Id, pack.Title, InCatalog(pack)) { AlternateUrls = pack.AlternateUrls };
        var reason = choice.Reason + (fleet && choice.Rule is not null ? "; one choice for the whole fleet" : "");
        return Resolved(type, resolved, choice.Winner.Evidence, reason) with
        {
            Alternatives = choice.RunnersUp.Select(r => r.Pack.Url).ToList(),
            RunnersUp = choice.RunnersUp.Select(r => new RunnerUp(r.Pack.Url, r.Pack.Title, r.Evidence, InCatalog(r.Pack))).ToList(),
            Rule = choice.Rule,
            Family = choice.Family,
        };
    }

    private bool InCatalog(CatalogPack pack) => ReferenceEquals(setting.Options.Catalog.FindByUrl(pack.Url), pack);

    private static NodeTypeResolution Resolved(string type, ResolvedPack pack, ResolutionEvidence evidence, string reason) =>
        new(type, ResolutionStatus.Resolved, pack, null, evidence, reason, []);
}
