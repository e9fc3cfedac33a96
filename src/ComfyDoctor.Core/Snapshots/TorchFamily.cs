namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// The distributions a snapshot restore reports but never changes unless the admin allows it explicitly: torch, its
/// companions built against one CUDA (torchvision, torchaudio, xformers, triton), NVIDIA's CUDA wheels (<c>nvidia-*</c>), and
/// any wheel whose version names a CUDA or ROCm build (<c>+cu124</c>, <c>+rocm6.1</c>). pip resolving one of these from an
/// index that lacks the CUDA build installs a CPU torch: the failure farms report after other tools' restores.
/// </summary>
public static class TorchFamily
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "torch",
        "torchvision",
        "torchaudio",
        "xformers",
        "triton",
        "pytorch-triton",
        "pytorch-triton-rocm",
    };

    /// <param name="name">A PEP 503-normalised name.</param>
    /// <param name="versions">The versions involved (installed, wanted); any one naming a CUDA/ROCm build makes it family.</param>
    public static bool Contains(string name, params string?[] versions) =>
        Names.Contains(name) || name.StartsWith("nvidia-", StringComparison.Ordinal) || versions.Any(GpuBuild);

    /// <summary><c>2.5.1+cu124</c>, <c>2.4.0+rocm6.1</c>: a local version label naming a GPU build.</summary>
    public static bool GpuBuild(string? version)
    {
        var plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus >= 0
            && version![(plus + 1)..] is var label
            && (label.StartsWith("cu", StringComparison.Ordinal) || label.StartsWith("rocm", StringComparison.Ordinal));
    }
}
