namespace ComfyDoctor.Core.Architecture;

/// <summary>The stable codes of model kinds (API, registry files, reports) and how people name them.</summary>
public static class ModelKinds
{
    public const string Checkpoint = "checkpoint";
    public const string DiffusionModel = "diffusion-model";
    public const string Lora = "lora";
    public const string Vae = "vae";
    public const string TextEncoder = "text-encoder";
    public const string ClipVision = "clip-vision";
    public const string ControlNet = "controlnet";
    public const string IpAdapter = "ip-adapter";
    public const string Upscaler = "upscaler";
    public const string Embedding = "embedding";
    public const string Unknown = "unknown";

    private static readonly (string Code, string Display)[] All =
    [
        (Checkpoint, "full checkpoint"),
        (DiffusionModel, "diffusion model"),
        (Lora, "LoRA"),
        (Vae, "VAE"),
        (TextEncoder, "text encoder"),
        (ClipVision, "CLIP vision"),
        (ControlNet, "ControlNet"),
        (IpAdapter, "IP-Adapter"),
        (Upscaler, "upscaler"),
        (Embedding, "embedding"),
        (Unknown, "unknown kind"),
    ];

    public static IEnumerable<string> Codes => All.Select(k => k.Code);

    public static string Display(string code) => Lookup.Display(All, code);

    /// <summary>The code for a code or a display name, ignoring case; null when it is neither.</summary>
    public static string? Parse(string text) => Lookup.Parse(All, text);
}
