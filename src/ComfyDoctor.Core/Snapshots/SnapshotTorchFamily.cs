namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// The distributions a snapshot restore reports but never changes unless the admin allows it explicitly: torch, the
/// packages built against one torch, and the CUDA and ROCm wheels they ship with (any version with a local <c>+cu…</c>,
/// <c>+rocm…</c> or <c>+xpu…</c> build). pip resolving one of these from an index that lacks the GPU build installs a CPU
/// torch: the failure farms report after other tools' restores. The same membership as the agent's installer applies
/// (branch snapinv's <c>Inventory.TorchFamily</c>; to be replaced by it once both are on main), so what the plan leaves out
/// is exactly what the installer would refuse.
/// </summary>
public static class SnapshotTorchFamily
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

    /// <param name="name">A distribution name (normalised here).</param>
    /// <param name="versions">The versions involved (installed, wanted); any one naming a GPU build makes it family.</param>
    public static bool Contains(string name, params string?[] versions)
    {
        var normalized = PipPin.Normalize(name);
        return Names.Contains(normalized)
            || Prefixes.Any(p => normalized.StartsWith(p, StringComparison.Ordinal))
            || versions.Any(v => v is not null && LocalTags.Any(t => v.Contains(t, StringComparison.OrdinalIgnoreCase)));
    }
}
