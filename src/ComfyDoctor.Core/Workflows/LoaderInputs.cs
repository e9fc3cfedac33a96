namespace ComfyDoctor.Core.Workflows;

/// <summary>
/// Which model folder a loader input names, and the widget order of ComfyUI's core loaders (UI workflows store widget
/// values by position, so <c>widgets_values[0]</c> of a <c>CheckpointLoaderSimple</c> is its <c>ckpt_name</c>).
/// </summary>
public static class LoaderInputs
{
    private static readonly Dictionary<string, string> FolderByInput = new(StringComparer.Ordinal)
    {
        ["ckpt_name"] = "checkpoints",
        ["lora_name"] = "loras",
        ["vae_name"] = "vae",
        ["unet_name"] = "diffusion_models",
        ["clip_name"] = "text_encoders",
        ["clip_name1"] = "text_encoders",
        ["clip_name2"] = "text_encoders",
        ["clip_name3"] = "text_encoders",
        ["clip_name4"] = "text_encoders",
        ["control_net_name"] = "controlnet",
        ["style_model_name"] = "style_models",
        ["gligen_name"] = "gligen",
        ["hypernetwork_name"] = "hypernetworks",
        ["photomaker_model_name"] = "photomaker",
        ["upscale_model_name"] = "upscale_models",
        ["audio_encoder_name"] = "audio_encoders",
    };

    /// <summary>Inputs whose folder depends on the node type.</summary>
    private static readonly Dictionary<(string NodeType, string Input), string> FolderByNodeInput = new()
    {
        [("CLIPVisionLoader", "clip_name")] = "clip_vision",
        [("UpscaleModelLoader", "model_name")] = "upscale_models",
        [("LatentUpscaleModelLoader", "model_name")] = "latent_upscale_models",
        [("ModelPatchLoader", "name")] = "model_patches",
        [("DiffusersLoader", "model_path")] = "diffusers",
    };

    /// <summary>Widget names, in <c>widgets_values</c> order, of the core loaders.</summary>
    private static readonly Dictionary<string, string[]> WidgetOrder = new(StringComparer.Ordinal)
    {
        ["CheckpointLoaderSimple"] = ["ckpt_name"],
        ["CheckpointLoader"] = ["config_name", "ckpt_name"],
        ["unCLIPCheckpointLoader"] = ["ckpt_name"],
        ["ImageOnlyCheckpointLoader"] = ["ckpt_name"],
        ["VAELoader"] = ["vae_name"],
        ["LoraLoader"] = ["lora_name", "strength_model", "strength_clip"],
        ["LoraLoaderModelOnly"] = ["lora_name", "strength_model"],
        ["UNETLoader"] = ["unet_name", "weight_dtype"],
        ["CLIPLoader"] = ["clip_name", "type", "device"],
        ["DualCLIPLoader"] = ["clip_name1", "clip_name2", "type", "device"],
        ["TripleCLIPLoader"] = ["clip_name1", "clip_name2", "clip_name3"],
        ["QuadrupleCLIPLoader"] = ["clip_name1", "clip_name2", "clip_name3", "clip_name4"],
        ["CLIPVisionLoader"] = ["clip_name"],
        ["ControlNetLoader"] = ["control_net_name"],
        ["DiffControlNetLoader"] = ["control_net_name"],
        ["UpscaleModelLoader"] = ["model_name"],
        ["StyleModelLoader"] = ["style_model_name"],
        ["GLIGENLoader"] = ["gligen_name"],
        ["HypernetworkLoader"] = ["hypernetwork_name", "strength"],
        ["PhotoMakerLoader"] = ["photomaker_model_name"],
        ["ModelPatchLoader"] = ["name"],
        ["AudioEncoderLoader"] = ["audio_encoder_name"],
    };

    /// <summary>The folder key an input of a node type names, or null when the input is not a known loader input.</summary>
    public static string? FolderFor(string nodeType, string inputName) =>
        FolderByNodeInput.TryGetValue((nodeType, inputName), out var specific) ? specific
        : FolderByInput.TryGetValue(inputName, out var folder) ? folder
        : null;

    /// <summary>The name of the widget at <paramref name="index"/> of a core loader, or null.</summary>
    public static string? WidgetName(string nodeType, int index) =>
        WidgetOrder.TryGetValue(nodeType, out var names) && index < names.Length ? names[index] : null;
}
