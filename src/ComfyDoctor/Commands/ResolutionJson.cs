using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// The <c>resolve --json</c> shape: <c>{"workflows": [{"file", "nodes": [{"type", "status", "pack": {"url", "id"?},
/// "version"?, "evidence", "reason", "alternatives"}], "models": [{"identity", "url"?, "hash"?}], "errors": [...]}]}</c>.
/// </summary>
public sealed record ResolutionJson(IReadOnlyList<ResolutionJson.Workflow> Workflows)
{
    public sealed record Workflow(string File, IReadOnlyList<Node> Nodes, IReadOnlyList<Model> Models, IReadOnlyList<string> Errors);

    public sealed record Node(string Type, ResolutionStatus Status, Pack? Pack, string? Version, ResolutionEvidence Evidence, string Reason, IReadOnlyList<string> Alternatives);

    public sealed record Pack(string Url, string? Id, string Title, bool InCatalog);

    public sealed record Model(string Identity, string? Url, string? Hash);

    public static ResolutionJson From(ResolutionReport report) => new(report.Workflows.Select(w => new Workflow(
        w.FileName,
        w.Nodes.Select(n => new Node(n.Type, n.Status, n.Pack is { } p ? new Pack(p.Url, p.Id, p.Title, p.InCatalog) : null,
            n.Version, n.Evidence, n.Reason, n.Alternatives)).ToList(),
        w.Models.Select(m => new Model(m.Identity, m.Url, m.Sha256)).ToList(),
        w.Errors.Select(e => e.ToString()).ToList())).ToList());
}
