namespace ComfyDoctor.Core.Inventory;

/// <summary>
/// The distributions a snapshot restore reports but never changes unless the admin allows it explicitly: torch and the
/// packages built against one torch (torchvision, torchaudio, xformers, triton, …) and the CUDA and ROCm wheels they
/// ship with (<c>nvidia-*</c>, <c>cupy-cuda*</c>, any version with a local <c>+cuXXX</c> / <c>+rocmX</c> tag). Replacing
/// one of them is how a restore turns a GPU worker into a CPU one.
/// </summary>
public static class TorchFamily
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "torch",
        "torchvision",
        "torchaudio",
        "torchtext",
        "torchdata",
        "torchsde",
        "xformers",
        "triton",
        "pytorch-triton",
        "pytorch-triton-rocm",
        "flash-attn",
        "sageattention",
        "bitsandbytes",
        "onnxruntime-gpu",
        "tensorrt",
    };

    private static readonly string[] Prefixes = ["nvidia-", "cupy-cuda", "cuda-python", "torch-", "triton-"];

    private static readonly string[] LocalTags = ["+cu", "+rocm", "+xpu"];

    /// <summary>Whether <paramref name="name"/> (at <paramref name="version"/>, when known) is of the torch family or a CUDA
    /// wheel.</summary>
    public static bool Contains(string name, string? version = null)
    {
        var normalized = PythonPackageNames.Normalize(name);
        return Names.Contains(normalized)
            || Prefixes.Any(p => normalized.StartsWith(p, StringComparison.Ordinal))
            || (version is not null && LocalTags.Any(t => version.Contains(t, StringComparison.OrdinalIgnoreCase)));
    }

    public static bool Contains(PythonPackage package) => Contains(package.Name, package.Version);
}
