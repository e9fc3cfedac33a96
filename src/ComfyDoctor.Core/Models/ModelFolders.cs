namespace ComfyDoctor.Core.Models;

/// <summary>
/// ComfyUI's model folder keys (<c>folder_paths.folder_names_and_paths</c>) with their default sub-folders of
/// <c>models/</c>, in ComfyUI's search order, and the legacy key names it still accepts.
/// </summary>
public static class ModelFolders
{
    /// <summary>Folder key → default folders under <c>&lt;comfyui&gt;/models</c>, first searched first.</summary>
    public static IReadOnlyList<(string Key, IReadOnlyList<string> Folders)> Defaults { get; } =
    [
        ("checkpoints", ["checkpoints"]),
        ("loras", ["loras"]),
        ("vae", ["vae"]),
        ("text_encoders", ["text_encoders", "clip"]),
        ("diffusion_models", ["unet", "diffusion_models"]),
        ("clip_vision", ["clip_vision"]),
        ("style_models", ["style_models"]),
        ("embeddings", ["embeddings"]),
        ("diffusers", ["diffusers"]),
        ("vae_approx", ["vae_approx"]),
        ("controlnet", ["controlnet", "t2i_adapter"]),
        ("gligen", ["gligen"]),
        ("upscale_models", ["upscale_models"]),
        ("latent_upscale_models", ["latent_upscale_models"]),
        ("hypernetworks", ["hypernetworks"]),
        ("photomaker", ["photomaker"]),
        ("classifiers", ["classifiers"]),
        ("model_patches", ["model_patches"]),
        ("audio_encoders", ["audio_encoders"]),
    ];

    /// <summary>Old key names ComfyUI maps to the current ones (<c>folder_paths.map_legacy</c>).</summary>
    private static readonly Dictionary<string, string> Legacy = new(StringComparer.Ordinal)
    {
        ["unet"] = "diffusion_models",
        ["clip"] = "text_encoders",
    };

    /// <summary>Extensions ComfyUI lists as models (<c>supported_pt_extensions</c>) plus GGUF and ONNX.</summary>
    public static IReadOnlySet<string> ModelExtensions { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ".ckpt",
            ".pt",
            ".pt2",
            ".bin",
            ".pth",
            ".safetensors",
            ".pkl",
            ".sft",
            ".gguf",
            ".onnx",
        };

    /// <summary>Keys in <c>extra_model_paths.yaml</c> that are not model folders.</summary>
    public static IReadOnlySet<string> NonModelKeys { get; } = new HashSet<string>(StringComparer.Ordinal) { "custom_nodes", "configs" };

    public static string Canonical(string key) => Legacy.TryGetValue(key, out var current) ? current : key;

    public static bool IsModelFile(string fileName) => ModelExtensions.Contains(Path.GetExtension(fileName));
}
