namespace ComfyDoctor.Server.Catalog;

/// <summary>The node types a worker's ComfyUI reported from one <c>custom_nodes</c> folder (migration 011), with the
/// folder's git remote; replaced when a scan that reached ComfyUI reports something else.</summary>
public sealed class WorkerPackNodesRow
{
    public required string WorkerId { get; init; }
    public required string Folder { get; init; }
    public string? Url { get; set; }

    /// <summary>A JSON array of node type names, in order.</summary>
    public required string NodeTypesJson { get; set; }
    public long ReportedAt { get; set; }
}
