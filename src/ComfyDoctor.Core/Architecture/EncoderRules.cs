using static ComfyDoctor.Core.Architecture.ModelFamilies;

namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// Text encoders and CLIP vision towers, after the keys <c>comfy/sd.py</c> (<c>load_text_encoder_state_dicts</c>) and
/// <c>comfy/clip_vision.py</c> look for: CLIP text (<c>text_model.*</c>, width 768 CLIP-L, 1280 CLIP-G, 1024 OpenCLIP-H),
/// T5 encoders (<c>encoder.block.N.layer…</c>; a 256,384-token vocabulary is umT5, Wan's encoder), decoder-only
/// language models (<c>model.layers.N.self_attn.q_proj</c>; a biased q_proj is Qwen-style, 3,584 wide the Qwen2.5-VL 7B
/// of Qwen-Image), CLIP vision (<c>vision_model.*</c>). Families only where one family alone uses the encoder.
/// </summary>
internal static class EncoderRules
{
    public static ModelArchitecture? Classify(TensorIndex t, string? ggufArchitecture)
    {
        var text = Prefix(t, "text_model.embeddings.token_embedding.weight");
        var vision = Prefix(t, "vision_model.embeddings.patch_embedding.weight");
        if (text is not null && vision is not null)
        {
            return new ModelArchitecture(ModelKinds.Unknown, Unknown, "CLIP text and vision towers in one file");
        }

        if (text is not null)
        {
            return ClipText(t.Dim(text + "text_model.embeddings.token_embedding.weight", 1));
        }

        if (vision is not null)
        {
            return ClipVision(t, vision);
        }

        if (t.HasAll("token_embedding.weight", "transformer.resblocks.0.attn.in_proj_weight") && !t.HasPrefix("visual."))
        {
            return ClipText(t.Dim("token_embedding.weight", 1));
        }

        return T5(t) ?? LanguageModel(t, ggufArchitecture);
    }

    /// <summary>The prefix under which a marker tensor sits (<c>""</c>, <c>transformer.</c>, <c>clip_l.transformer.</c>…); null when
    /// absent.</summary>
    private static string? Prefix(TensorIndex t, string marker) =>
        t
            .Names.Where(n =>
                n.EndsWith(marker, StringComparison.Ordinal) && (n.Length == marker.Length || n[n.Length - marker.Length - 1] == '.')
            )
            .Select(n => n[..^marker.Length])
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    private static ModelArchitecture ClipText(long? width) =>
        width switch
        {
            768 => new(ModelKinds.TextEncoder, Unknown, "CLIP-L"),
            1280 => new(ModelKinds.TextEncoder, Unknown, "CLIP-G"),
            1024 => new(ModelKinds.TextEncoder, Sd2, "OpenCLIP ViT-H text"),
            null => new(ModelKinds.TextEncoder, Unknown, "CLIP text, width not seen"),
            _ => new(ModelKinds.TextEncoder, Unknown, $"CLIP text, width {width}"),
        };

    private static ModelArchitecture ClipVision(TensorIndex t, string prefix)
    {
        if (t.HasPrefix(prefix + "vision_model.head."))
        {
            return new(ModelKinds.ClipVision, Unknown, "SigLIP");
        }

        return new(
            ModelKinds.ClipVision,
            Unknown,
            t.Dim(prefix + "vision_model.embeddings.patch_embedding.weight", 0) switch
            {
                1024 => "ViT-L",
                1280 => "ViT-H",
                1664 => "ViT-bigG",
                null => "width not seen",
                var w => $"width {w}",
            }
        );
    }

    private static ModelArchitecture? T5(TensorIndex t)
    {
        const string query = "encoder.block.0.layer.0.SelfAttention.q.weight";
        if (!t.Has(query) && !t.Has("enc.blk.0.attn_q.weight"))
        {
            return null;
        }

        var vocabulary = t.Dim("shared.weight", 0) ?? t.Dim("encoder.embed_tokens.weight", 0) ?? t.Dim("token_embd.weight", 0);
        var width = t.Dim(query, 1) ?? t.Dim("enc.blk.0.attn_q.weight", 1);
        var size =
            width == 4096 ? "-XXL"
            : width is null ? ""
            : $" (width {width})";
        return vocabulary == 256384
            ? new(ModelKinds.TextEncoder, width == 4096 ? Wan : Unknown, "umT5" + size)
            : new(ModelKinds.TextEncoder, Unknown, "T5" + size);
    }

    private static ModelArchitecture? LanguageModel(TensorIndex t, string? ggufArchitecture)
    {
        string? query =
            t.Has("model.layers.0.self_attn.q_proj.weight") ? "model.layers.0.self_attn.q_proj"
            : t.Has("blk.0.attn_q.weight") ? "blk.0.attn_q"
            : null;
        if (query is null)
        {
            return null;
        }

        var width = t.Dim(query + ".weight", 1);
        var qwen = t.Has(query + ".bias") || ggufArchitecture?.StartsWith("qwen", StringComparison.OrdinalIgnoreCase) == true;
        if (qwen && width == 3584)
        {
            return new(ModelKinds.TextEncoder, QwenImage, "Qwen2.5-VL 7B-style");
        }

        var style =
            qwen ? "Qwen-style"
            : t.Has("model.layers.0.pre_feedforward_layernorm.weight") ? "Gemma-style"
            : "Llama-style";
        return new(ModelKinds.TextEncoder, Unknown, width is null ? $"{style} language model" : $"{style} language model, width {width}");
    }
}
