namespace ComfyDoctor.Core.Workflows;

/// <summary>Limits for <see cref="WorkflowReader"/>.</summary>
public sealed record WorkflowReadOptions
{
    public static WorkflowReadOptions Default { get; } = new();

    /// <summary>Files larger than this are refused before any byte is parsed (64 MiB by default).</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    /// <summary>Deepest JSON nesting accepted.</summary>
    public int MaxDepth { get; init; } = 256;
}
