using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// How a registered workflow's node types were resolved, in the fleet's one decision: per type the pack, version, evidence,
/// deciding rule, reason and runners-up in Core's <see cref="ResolutionJson"/> shape (what <c>comfydoctor resolve --fleet
/// --json</c> prints for the same files), against the catalog version it was resolved with.
/// </summary>
public sealed record StoredResolution(
    long CatalogVersion,
    IReadOnlyList<ResolutionJson.NodeChoice> Nodes,
    IReadOnlyList<ResolutionJson.Model>? Models,
    IReadOnlyList<string>? Errors
)
{
    public static StoredResolution? Read(string? json) => json is null ? null : ReportJson.Deserialize<StoredResolution>(json);

    /// <summary>The custom node types of a stored resolution (core types left out); none for a workflow stored before migration
    /// 008.</summary>
    public static IReadOnlyList<ResolutionJson.NodeChoice> CustomNodes(string? json) =>
        [.. (Read(json)?.Nodes ?? []).Where(n => n.Status != ResolutionStatus.Core)];

    /// <summary>The workflow's part of the fleet's <see cref="ResolutionJson"/>, under its registered name.</summary>
    public ResolutionJson.Workflow AsWorkflow(string name) => new(name, Nodes, Models ?? [], Errors ?? []);
}
