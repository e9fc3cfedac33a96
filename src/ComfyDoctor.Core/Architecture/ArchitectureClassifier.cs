namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// The kind and family of a model file from its header's tensor names and shapes alone — the facts ComfyUI's own
/// loaders decide by (<c>comfy/model_detection.py</c>, <c>comfy/lora.py</c>, <c>comfy/sd.py</c>,
/// <c>comfy/controlnet.py</c>), written as our rules. Pure: the format checkers hand it the header they already read.
/// Nothing recognised is <see cref="ModelArchitecture.Unknown"/>, never a guess.
/// </summary>
public static class ArchitectureClassifier
{
    /// <summary>The prefix of the diffusion model in a full checkpoint (ldm/sgm layout), and the prefixes of its companions.</summary>
    private const string CheckpointModel = "model.diffusion_model.";
    private static readonly string[] CheckpointCompanions =
    [
        "first_stage_model.",
        "cond_stage_model.",
        "conditioner.embedders.",
        "text_encoders.",
    ];

    /// <param name="tensors">The header's tensors (safetensors), tensor infos (GGUF, shapes outermost first), or a pickle's
    /// state dict (a shape null where its walk did not see the size).</param>
    /// <param name="ggufArchitecture">A GGUF file's <c>general.architecture</c>, when it has one.</param>
    public static ModelArchitecture Classify(IReadOnlyCollection<TensorInfo> tensors, string? ggufArchitecture = null)
    {
        if (tensors.Count == 0)
        {
            return ModelArchitecture.Unknown;
        }

        var t = new TensorIndex(tensors);
        if (AdapterRules.Embedding(t) is { } embedding)
        {
            return embedding;
        }

        if (!t.Has("lora_controlnet") && LoraRules.IsLora(t))
        {
            return LoraRules.Classify(t);
        }

        return AdapterRules.IpAdapter(t)
            ?? AdapterRules.ControlNet(t)
            ?? Diffusion(t)
            ?? VaeRules.Classify(t)
            ?? EncoderRules.Classify(t, ggufArchitecture)
            ?? AdapterRules.Upscaler(t)
            ?? ModelArchitecture.Unknown;
    }

    private static ModelArchitecture? Diffusion(TensorIndex t)
    {
        if (t.HasPrefix(CheckpointModel) && DiffusionRules.Detect(t.Under(CheckpointModel)) is { } model)
        {
            return CheckpointCompanions.Any(t.HasPrefix) ? model with { Kind = ModelKinds.Checkpoint } : model;
        }

        return DiffusionRules.Detect(t);
    }
}
