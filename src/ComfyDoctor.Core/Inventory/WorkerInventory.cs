namespace ComfyDoctor.Core.Inventory;

/// <summary>The facts an agent gathers about one worker. No judgement: that is <c>Diagnosis</c>'s job.</summary>
public sealed record WorkerInventory(
    string Worker,
    DateTimeOffset ScannedAt,
    IReadOnlyList<ModelRoot> ModelRoots,
    IReadOnlyList<ModelFile> Models,
    IReadOnlyList<NodePack> NodePacks,
    EnvironmentFacts Environment
)
{
    /// <summary>What the running ComfyUI itself reports, when it was reachable (null otherwise).</summary>
    public LiveComfyUi? Live { get; init; }

    /// <summary>Entries of the model folders that are not model files the scan could read (FIFOs, link loops, unreadable
    /// folders); null from an agent that predates them.</summary>
    public IReadOnlyList<SkippedEntry>? Skipped { get; init; }

    /// <summary>The frontend-only node types the installed packs' web code registers (<c>registerNodeType</c> in their
    /// <c>WEB_DIRECTORY</c>: virtual nodes such as Set/Get), per pack; what the server learns JavaScript-only types from.
    /// Null from an agent that predates it.</summary>
    public IReadOnlyList<NodeResolution.KnownPackNodes>? WebNodeTypes { get; init; }
}

/// <summary>The answers of a running ComfyUI: <c>/object_info</c> (the node types it really loaded) and <c>/system_stats</c>.</summary>
/// <param name="NodeTypes">Every node type ComfyUI offers, core and custom: the truth about what a workflow can use.</param>
public sealed record LiveComfyUi(
    string Url,
    IReadOnlyList<string> NodeTypes,
    string? ComfyUiVersion,
    string? PythonVersion,
    string? TorchVersion,
    IReadOnlyList<string> Devices
)
{
    /// <summary>The path arguments ComfyUI was started with (<c>/system_stats</c> <c>system.argv</c>); null when it did not say.</summary>
    public ComfyUiArguments? Arguments { get; init; }

    /// <summary>The <c>custom_nodes</c> folder each custom node type was loaded from (<c>/object_info</c>'s <c>python_module</c>
    /// <c>custom_nodes.FOLDER</c>), by type; core types are left out. What the server learns packs from (run-time families,
    /// JavaScript-only types); null from an agent that predates it.</summary>
    public IReadOnlyDictionary<string, string>? CustomNodeFolders { get; init; }
}
