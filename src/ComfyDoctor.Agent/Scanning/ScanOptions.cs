namespace ComfyDoctor.Agent.Scanning;

/// <summary>What to scan and how.</summary>
/// <param name="ComfyUiRoot">The ComfyUI installation folder (holds <c>models/</c> and <c>custom_nodes/</c>).</param>
/// <param name="ExtraModelPaths">More <c>extra_model_paths.yaml</c> files, after the install's own.</param>
/// <param name="Deep">Ignore the hash cache: re-read every byte.</param>
/// <param name="Parallelism">Files hashed at once.</param>
/// <param name="CachePath">Where the hash cache lives; null for a cache in memory only.</param>
/// <param name="Python">ComfyUI's interpreter when it is not in a standard place.</param>
public sealed record ScanOptions(
    string ComfyUiRoot,
    IReadOnlyList<string> ExtraModelPaths,
    bool Deep,
    int Parallelism,
    string? CachePath,
    string? Python,
    string WorkerName
)
{
    /// <summary>How long the Python and nvidia-smi probes may take.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A running ComfyUI to ask for <c>/object_info</c> and <c>/system_stats</c>; null to skip.</summary>
    public Uri? ComfyUrl { get; init; }

    /// <summary>The nvidia-smi to run: a name looked up on PATH, or a path.</summary>
    public string NvidiaSmi { get; init; } = "nvidia-smi";

    public static int DefaultParallelism => Math.Clamp(Environment.ProcessorCount, 1, 16);

    /// <summary><c>$XDG_CACHE_HOME/comfydoctor</c> or <c>~/.cache/comfydoctor</c>.</summary>
    public static string DefaultCacheFolder =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "comfydoctor"
        );
}

/// <summary>Progress of the model part of a scan (the slow part), reported through <see cref="IProgress{T}"/>.</summary>
public readonly record struct ScanProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, long BytesToHash);
