namespace ComfyDoctor.Server.Snapshots;

/// <summary>A stored snapshot (migration 012): the expected state of every worker with a tag, or of one worker.</summary>
public sealed class SnapshotRow
{
    public const string TagScope = "tag";
    public const string WorkerScope = "worker";

    /// <summary><see cref="TagScope"/> or <see cref="WorkerScope"/>.</summary>
    public required string Scope { get; init; }

    /// <summary>The tag, or the worker's name.</summary>
    public required string Name { get; init; }

    /// <summary>The file's layout: <c>manager</c>, <c>manager-yaml</c>, <c>comfy-lock</c> or <c>comfydoctor</c>
    /// (<see cref="Core.Snapshots.SnapshotFormats"/>).</summary>
    public required string Format { get; set; }

    /// <summary>The file as imported, exactly.</summary>
    public required string Content { get; set; }
    public required string Sha256 { get; set; }

    /// <summary>The imported file's name, or <c>adopted from worker W (scan of …)</c>.</summary>
    public required string Source { get; set; }
    public long ImportedAt { get; set; }
    public required string ImportedBy { get; set; }

    /// <summary>How findings name it: <c>snapshot of tag 'sdxl'</c>, <c>snapshot of worker 'gpu-07'</c>.</summary>
    public string Label => $"snapshot of {Scope} '{Name}'";
}
