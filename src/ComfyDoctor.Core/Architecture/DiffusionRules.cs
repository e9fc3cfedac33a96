using System.Text.RegularExpressions;
using static ComfyDoctor.Core.Architecture.ModelFamilies;

namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// The family of a diffusion model (UNet or DiT) from its tensor names without a prefix, after the marker keys of
/// ComfyUI's <c>detect_unet_config</c> (<c>comfy/model_detection.py</c>): each architecture has a key no other has.
/// A UNet's family follows from its cross-attention width (the <c>attn2.to_k</c> input: 768 SD1.x, 1024 SD2.x, 2048
/// SDXL base, 1280 SDXL refiner) and its class-embedding input (<c>label_emb</c>: 2816 SDXL, 2560 refiner).
/// </summary>
internal static partial class DiffusionRules
{
    /// <summary>The ending of every cross-attention key projection's name: the cheap test before the patterns.</summary>
    public const string CrossAttentionKey = ".attn2.to_k.weight";

    [GeneratedRegex(@"^input_blocks\.\d+\.1\.transformer_blocks\.0\.attn2\.to_k\.weight$")]
    public static partial Regex UnetCrossAttention();

    [GeneratedRegex(@"^down_blocks\.\d+\.attentions\.0\.transformer_blocks\.0\.attn2\.to_k\.weight$")]
    public static partial Regex DiffusersCrossAttention();

    /// <summary>The family of the diffusion model these tensors are, or null when they are no diffusion model we know.</summary>
    public static ModelArchitecture? Detect(TensorIndex t)
    {
        if (t.Has("joint_blocks.0.context_block.attn.qkv.weight"))
        {
            return Found(Sd3, "MMDiT");
        }

        if (t.Has("txt_in.individual_token_refiner.blocks.0.norm1.weight") && t.HasPrefix("double_blocks."))
        {
            return Found(HunyuanVideo, null);
        }

        if (t.HasAll("double_blocks.0.img_attn.norm.key_norm.scale", "img_in.weight") && !t.HasPrefix("distilled_guidance_layer."))
        {
            return Found(Flux1, FluxDetail(t));
        }

        if (t.HasAll("head.modulation", "patch_embedding.weight"))
        {
            return Found(Wan, WanDetail(t));
        }

        // PixArt has adaln_single too, but no patchify_proj (ComfyUI tells them apart by PixArt's pos_embed.proj).
        if (t.HasAll("adaln_single.emb.timestep_embedder.linear_1.bias", "patchify_proj.weight"))
        {
            return Found(LtxVideo, null);
        }

        if (t.HasAll("txt_norm.weight", "img_in.weight") && t.HasPrefix("transformer_blocks."))
        {
            return Found(QwenImage, null);
        }

        if (t.HasAll("single_transformer_blocks.0.attn.norm_k.weight", "x_embedder.weight", "context_embedder.weight"))
        {
            return Found(Flux1, "diffusers layout");
        }

        if (t.Has("input_blocks.0.0.weight"))
        {
            return Unet(
                t.DimOfFirst(UnetCrossAttention(), CrossAttentionKey, 1),
                t.Dim("label_emb.0.0.weight", 1),
                t.Dim("input_blocks.0.0.weight", 1),
                t.Names.Any(n => n.Contains(".time_stack.", StringComparison.Ordinal)),
                t.ShapesMissing
            );
        }

        if (t.Has("conv_in.weight") && t.First(DiffusersCrossAttention(), CrossAttentionKey) is not null)
        {
            return Unet(
                t.DimOfFirst(DiffusersCrossAttention(), CrossAttentionKey, 1),
                t.Dim("add_embedding.linear_1.weight", 1),
                t.Dim("conv_in.weight", 1),
                false,
                t.ShapesMissing
            );
        }

        return null;
    }

    /// <summary>
    /// A UNet's family from its cross-attention width and class-embedding input; unknown for anything else (SVD,
    /// cascade…), and unknown when the widths were not seen (<paramref name="shapesMissing"/>: names without shapes).
    /// </summary>
    private static ModelArchitecture Unet(long? context, long? adm, long? inChannels, bool video, bool shapesMissing)
    {
        var detail = inChannels == 9 ? "inpainting" : null;
        if (video)
        {
            return Found(Unknown, "video UNet (SVD-style)");
        }

        return (context, adm) switch
        {
            (768, null) => Found(Sd1, detail),
            (1024, _) => Found(Sd2, adm is null ? detail : "unCLIP"),
            (2048, 2816) => Found(Sdxl, detail),
            (1280, 2560) => Found(Sdxl, "refiner"),
            (null, _) when shapesMissing => Found(Unknown, "UNet, its cross-attention width not seen"),
            _ => Found(Unknown, context is null ? "UNet without cross-attention" : $"UNet with {context}-wide cross-attention"),
        };
    }

    private static ModelArchitecture Found(string family, string? detail = null) => new(ModelKinds.DiffusionModel, family, detail);

    /// <summary>A UNet-style adapter's family from the width of its cross-attention input alone.</summary>
    public static string FamilyOfContext(long? context) =>
        context switch
        {
            768 => Sd1,
            1024 => Sd2,
            2048 or 1280 => Sdxl,
            _ => Unknown,
        };

    private static string FluxDetail(TensorIndex t)
    {
        var guidance = t.Has("guidance_in.in_layer.weight") ? "guidance-distilled, dev-style" : "no guidance input, schnell-style";
        return t.Dim("img_in.weight", 1) switch
        {
            384 => guidance + ", Fill: inpainting",
            128 => guidance + ", structural conditioning: Canny or Depth",
            _ => guidance,
        };
    }

    private static string WanDetail(TensorIndex t)
    {
        var variant = t.Dim("patch_embedding.weight", 1) switch
        {
            16 => "text-to-video",
            36 => "image-to-video",
            48 => "Wan 2.2 TI2V (48-channel latent)",
            null => "input width not seen",
            var c => $"{c}-channel input",
        };
        return t.Has("vace_patch_embedding.weight") ? variant + ", VACE" : variant;
    }
}
