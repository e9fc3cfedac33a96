namespace ComfyDoctor.Core.Inventory;

/// <summary>Runtime facts of a worker. Anything not found is null ("unknown"), never an error.</summary>
public sealed record EnvironmentFacts(
    IReadOnlyList<DiskFacts> Disks,
    string? ComfyUiVersion,
    PythonFacts? Python,
    IReadOnlyList<GpuFacts> Gpus,
    IReadOnlyList<string> Notes
)
{
    public static EnvironmentFacts Unknown { get; } = new([], null, null, [], []);

    /// <summary>ComfyUI's own checkout (commit, dirty state, version); null from an agent that predates it.</summary>
    public ComfyUiCheckout? ComfyUi { get; init; }
}

/// <summary>A volume that holds at least one model root.</summary>
/// <param name="Mount">The mount point (or drive root) of the volume.</param>
/// <param name="Roots">Model root paths on this volume.</param>
public sealed record DiskFacts(string Mount, long TotalBytes, long FreeBytes, IReadOnlyList<string> Roots);

/// <param name="Executable">The interpreter ComfyUI runs with.</param>
/// <param name="Version">e.g. <c>3.11.7</c>; null when it could not be run.</param>
/// <param name="Torch">torch.__version__ or null when torch is not importable.</param>
/// <param name="TorchCuda">torch.version.cuda (null for CPU builds).</param>
/// <param name="CudaAvailable">torch.cuda.is_available(), null when unknown.</param>
/// <param name="Error">Why probing failed, when it did.</param>
public sealed record PythonFacts(string Executable, string? Version, string? Torch, string? TorchCuda, bool? CudaAvailable, string? Error)
{
    /// <summary>The interpreter's installed distributions, sorted by name; null when not read (older agent, probe failed).</summary>
    public IReadOnlyList<PythonPackage>? Packages { get; init; }
}

public sealed record GpuFacts(string Name, string? DriverVersion, long? MemoryTotalMiB, string? CudaVersion);
