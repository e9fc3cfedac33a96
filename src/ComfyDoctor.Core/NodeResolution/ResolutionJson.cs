namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// The one JSON shape of a resolution, for <c>comfydoctor resolve --json</c> and the server's fleet API alike
/// (serialised with <c>ReportJson</c>: camelCase, enums as camelCase strings, nulls left out):
/// <code>
/// {"workflows": [{"file", "nodes": [NodeChoice...], "models": [{"identity", "url"?, "hash"?}], "errors": [...]}]}
/// NodeChoice: {"type", "status", "pack": {"url", "id"?, "title", "inCatalog"}?, "version"?, "evidence", "rule"?,
///              "reason", "family"?, "runnersUp": [{"url", "title", "evidence", "inCatalog"}], "alternatives": [url...]}
/// </code>
/// <c>evidence</c> says what names the pack (<see cref="ResolutionEvidence"/>), <c>rule</c> what decided between several
/// (<see cref="ChoiceRules"/>), <c>runnersUp</c> the packs that qualified and lost, best first.
/// </summary>
public sealed record ResolutionJson(IReadOnlyList<ResolutionJson.Workflow> Workflows)
{
    public sealed record Workflow(string File, IReadOnlyList<NodeChoice> Nodes, IReadOnlyList<Model> Models, IReadOnlyList<string> Errors);

    public sealed record Pack(string Url, string? Id, string Title, bool InCatalog);

    public sealed record Model(string Identity, string? Url, string? Hash);

    /// <summary>One node type's answer: also what the fleet API returns per type of a registered workflow.</summary>
    public sealed record NodeChoice(
        string Type,
        ResolutionStatus Status,
        Pack? Pack,
        string? Version,
        ResolutionEvidence Evidence,
        string? Rule,
        string Reason,
        string? Family,
        IReadOnlyList<RunnerUp> RunnersUp,
        IReadOnlyList<string> Alternatives
    )
    {
        public static NodeChoice From(NodeTypeResolution n) =>
            new(
                n.Type,
                n.Status,
                n.Pack is { } p ? new Pack(p.Url, p.Id, p.Title, p.InCatalog) : null,
                n.Version,
                n.Evidence,
                n.Rule,
                n.Reason,
                n.Family,
                n.RunnersUp,
                n.Alternatives
            );
    }

    public static ResolutionJson From(ResolutionReport report) =>
        new(
            report
                .Workflows.Select(w => new Workflow(
                    w.FileName,
                    w.Nodes.Select(NodeChoice.From).ToList(),
                    w.Models.Select(m => new Model(m.Identity, m.Url, m.Sha256)).ToList(),
                    w.Errors.Select(e => e.ToString()).ToList()
                ))
                .ToList()
        );
}
