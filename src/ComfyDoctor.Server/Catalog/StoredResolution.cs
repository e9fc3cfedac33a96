using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Catalog;

/// <summary>How a registered workflow's node types were resolved (what <c>comfydoctor resolve</c> prints): pack, version,
/// evidence, reason and runners-up per type, against the catalog version it was resolved with.</summary>
public sealed record StoredResolution(long CatalogVersion, IReadOnlyList<NodeTypeResolution> Nodes)
{
    /// <summary>The custom node types of a stored resolution (core types left out); none for a workflow stored before migration
    /// 008.</summary>
    public static IReadOnlyList<NodeTypeResolution> CustomNodes(string? json) =>
        json is null
            ? []
            : [.. (ReportJson.Deserialize<StoredResolution>(json)?.Nodes ?? []).Where(n => n.Status != ResolutionStatus.Core)];
}
