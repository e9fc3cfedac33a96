using static ComfyDoctor.Core.Architecture.ModelFamilies;

namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// ControlNets and T2I-Adapters (the keys <c>comfy/controlnet.py</c>'s <c>load_controlnet_state_dict</c> and
/// <c>load_t2i_adapter</c> look for), IP-Adapters (<c>image_proj.*</c> + <c>ip_adapter.*</c>, as ComfyUI_IPAdapter_plus
/// loads them), ESRGAN/SwinIR-style upscalers and textual-inversion embeddings. UNet-style adapters take the family of
/// their cross-attention width (768 SD1.x, 1024 SD2.x, 2048 SDXL).
/// </summary>
internal static class AdapterRules
{
    public static ModelArchitecture? ControlNet(TensorIndex t)
    {
        if (t.Has("lora_controlnet"))
        {
            return new(ModelKinds.ControlNet, Context(t), "Control-LoRA");
        }

        foreach (var prefix in new[] { "control_model.", "" })
        {
            if (t.Has(prefix + "zero_convs.0.0.weight"))
            {
                return new(ModelKinds.ControlNet, Context(t.Under(prefix)));
            }
        }

        if (t.Has("controlnet_cond_embedding.conv_in.weight"))
        {
            return new(ModelKinds.ControlNet, Context(t), "diffusers layout");
        }

        if (t.HasPrefix("controlnet_blocks."))
        {
            var family =
                t.Has("pos_embed_input.proj.weight") ? Sd3
                : t.HasPrefix("double_blocks.") || t.Has("controlnet_x_embedder.weight") || t.HasPrefix("single_transformer_blocks.")
                    ? Flux1
                : Unknown;
            return new(ModelKinds.ControlNet, family, "DiT ControlNet");
        }

        return T2IAdapter(t);
    }

    private static ModelArchitecture? T2IAdapter(TensorIndex t)
    {
        if (t.Has("body.0.in_conv.weight"))
        {
            return new(ModelKinds.ControlNet, Unknown, "light T2I-Adapter");
        }

        if (!t.Has("conv_in.weight") || !t.HasPrefix("body."))
        {
            return null;
        }

        // ComfyUI: an input of 256 or 768 channels (pixel-unshuffled by 16) is an SDXL adapter, 64 or 192 (by 8) SD1.x.
        return new(
            ModelKinds.ControlNet,
            t.Dim("conv_in.weight", 1) switch
            {
                256 or 768 => Sdxl,
                64 or 192 => Sd1,
                _ => Unknown,
            },
            "T2I-Adapter"
        );
    }

    public static ModelArchitecture? IpAdapter(TensorIndex t)
    {
        if (!t.HasPrefix("image_proj.") || !t.HasPrefix("ip_adapter."))
        {
            return null;
        }

        var key = t
            .Names.Where(n =>
                n.StartsWith("ip_adapter.", StringComparison.Ordinal) && n.EndsWith(".to_k_ip.weight", StringComparison.Ordinal)
            )
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        var detail = t.Has("image_proj.latents") || t.Has("image_proj.proj_in.weight") ? "plus, with a resampler" : null;
        return new(ModelKinds.IpAdapter, key is null ? Unknown : DiffusionRules.FamilyOfContext(t.Dim(key, 1)), detail);
    }

    public static ModelArchitecture? Upscaler(TensorIndex t)
    {
        var esrgan =
            (t.Has("conv_first.weight") && (t.HasPrefix("RRDB_trunk.") || t.HasPrefix("body.0.rdb1.")))
            || (t.Has("model.0.weight") && t.HasPrefix("model.1.sub.0.RDB1."));
        if (esrgan)
        {
            return new(ModelKinds.Upscaler, Unknown, "ESRGAN, RRDB");
        }

        return t.Has("conv_first.weight") && t.HasPrefix("layers.0.residual_group.")
            ? new(ModelKinds.Upscaler, Unknown, "SwinIR/HAT-style transformer")
            : null;
    }

    /// <summary>Textual inversion: a handful of token vectors, 768 wide for SD1.x, 1024 for SD2.x, CLIP-L + CLIP-G pairs for
    /// SDXL.</summary>
    public static ModelArchitecture? Embedding(TensorIndex t)
    {
        if (t.Count > 4)
        {
            return null;
        }

        if (t.HasAll("clip_l", "clip_g"))
        {
            return new(ModelKinds.Embedding, Sdxl);
        }

        var vector = t.Has("emb_params")
            ? "emb_params"
            : t.Names.Where(n => n.StartsWith("string_to_param.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (vector is null || t.Rank(vector) != 2)
        {
            return null;
        }

        return new(
            ModelKinds.Embedding,
            t.Dim(vector, 1) switch
            {
                768 => Sd1,
                1024 => Sd2,
                _ => Unknown,
            },
            $"{t.Dim(vector, 0)} vectors"
        );
    }

    private static string Context(TensorIndex t) =>
        DiffusionRules.FamilyOfContext(
            t.DimOfFirst(DiffusionRules.UnetCrossAttention(), DiffusionRules.CrossAttentionKey, 1)
                ?? t.DimOfFirst(DiffusionRules.DiffusersCrossAttention(), DiffusionRules.CrossAttentionKey, 1)
        );
}
