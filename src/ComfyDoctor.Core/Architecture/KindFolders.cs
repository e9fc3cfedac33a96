namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// Which ComfyUI model folders can load which kind of file, for <c>model.misplaced</c>. Only the folders whose loaders
/// take one kind are judged (<c>checkpoints</c> → CheckpointLoaderSimple, <c>loras</c> → LoraLoader, <c>vae</c> →
/// VAELoader, …); a kind is misplaced in such a folder unless it belongs there or that folder's loader also takes it:
/// a diffusion model in <c>checkpoints/</c> loads (ComfyUI falls back to loading a checkpoint as a diffusion model
/// only), a full checkpoint in <c>diffusion_models/</c> loads (UNETLoader strips the <c>model.diffusion_model.</c>
/// prefix). Where a loader's behaviour is not certain the folder is listed as loadable: no false alarms.
/// </summary>
public static class KindFolders
{
    /// <summary>The folder keys whose loaders take one kind of file, and ComfyUI's loader for each.</summary>
    private static readonly Dictionary<string, string> Judged = new(StringComparer.Ordinal)
    {
        ["checkpoints"] = "CheckpointLoaderSimple",
        ["loras"] = "LoraLoader",
        ["vae"] = "VAELoader",
        ["text_encoders"] = "CLIPLoader",
        ["diffusion_models"] = "UNETLoader",
        ["clip_vision"] = "CLIPVisionLoader",
        ["controlnet"] = "ControlNetLoader",
        ["upscale_models"] = "UpscaleModelLoader",
        ["embeddings"] = "the prompt's embedding: syntax",
    };

    /// <summary>Kind → the folder it belongs in, and the other judged folders whose loader takes it too (or may).</summary>
    private static readonly Dictionary<string, (string Home, string[] AlsoLoads)> Table = new(StringComparer.Ordinal)
    {
        [ModelKinds.Checkpoint] = ("checkpoints", ["diffusion_models", "text_encoders"]),
        [ModelKinds.DiffusionModel] = ("diffusion_models", ["checkpoints"]),
        [ModelKinds.Lora] = ("loras", []),
        [ModelKinds.Vae] = ("vae", []),
        [ModelKinds.TextEncoder] = ("text_encoders", []),
        [ModelKinds.ClipVision] = ("clip_vision", ["text_encoders"]),
        [ModelKinds.ControlNet] = ("controlnet", ["diffusion_models"]),
        [ModelKinds.IpAdapter] = ("ipadapter", []),
        [ModelKinds.Upscaler] = ("upscale_models", []),
        [ModelKinds.Embedding] = ("embeddings", []),
    };

    /// <summary>The folder a file of this kind belongs in, when it sits in a folder whose loader will not take it; else null.</summary>
    public static string? BelongsElsewhere(string kind, string folderKey) =>
        Table.TryGetValue(kind, out var entry)
        && Judged.ContainsKey(folderKey)
        && folderKey != entry.Home
        && !entry.AlsoLoads.Contains(folderKey)
            ? entry.Home
            : null;

    /// <summary>The ComfyUI loader that reads a judged folder (e.g. <c>loras</c> → <c>LoraLoader</c>).</summary>
    public static string LoaderOf(string folderKey) => Judged.GetValueOrDefault(folderKey, "its loader");
}
