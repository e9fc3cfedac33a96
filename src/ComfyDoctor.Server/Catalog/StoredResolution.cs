using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Server.Catalog;

/// <summary>How a registered workflow's node types were resolved (what <c>comfydoctor resolve</c> prints): pack, version,
/// evidence, reason and runners-up per type, against the catalog version it was resolved with.</summary>
public sealed record StoredResolution(long CatalogVersion, IReadOnlyList<NodeTypeResolution> Nodes);
