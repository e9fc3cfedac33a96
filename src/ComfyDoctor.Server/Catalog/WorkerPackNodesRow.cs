namespace ComfyDoctor.Server.Catalog;

/// <summary>The node types a worker reported for one pack (migration 011): from its ComfyUI's <c>/object_info</c>
/// (<see cref="Source"/> <c>objectInfo</c>, by <c>custom_nodes</c> folder) or its installed pack's web code
/// (<c>webCode</c>); replaced when a scan that observed that source reports something else.</summary>
public sealed class WorkerPackNodesRow
{
    public required string WorkerId { get; init; }

    /// <summary><c>objectInfo</c> or <c>webCode</c> (<see cref="Core.NodeResolution.KnownNodeSource"/>, camelCase).</summary>
    public required string Source { get; init; }
    public required string Folder { get; init; }
    public string? Url { get; set; }

    /// <summary>A JSON array of node type names, in order.</summary>
    public required string NodeTypesJson { get; set; }

    /// <summary>Where it was seen, for the evidence: the worker, or the worker and the web code's files.</summary>
    public required string SeenAt { get; set; }
    public long ReportedAt { get; set; }
}
