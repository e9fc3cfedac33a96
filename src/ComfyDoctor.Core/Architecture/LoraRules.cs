using System.Text.RegularExpressions;
using static ComfyDoctor.Core.Architecture.ModelFamilies;

namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// LoRA-style adapters (<c>comfy/lora.py</c>'s <c>load_lora</c>: <c>lora_up/lora_down</c>, <c>lora_A/lora_B</c>,
/// <c>hada_*</c> LoHa, <c>lokr_*</c> LoKr, <c>dora_scale</c> DoRA) and the family of the model they patch. A LoRA names
/// the layers it patches in kohya (<c>lora_unet_double_blocks_0_…</c>), diffusers (<c>transformer.single_transformer_blocks.0…</c>)
/// or ComfyUI (<c>diffusion_model.blocks.0.self_attn…</c>) spelling, so the rules read names with <c>.</c> and <c>_</c> alike.
/// </summary>
internal static partial class LoraRules
{
    private static readonly string[] DownSuffixes = [".lora_down.weight", ".lora_A.weight", ".lora.down.weight", ".hada_w1_b"];

    [GeneratedRegex(@"(?:^|_)double_blocks_(\d+)_")]
    private static partial Regex DoubleBlock();

    [GeneratedRegex(@"(?:^|_)single_blocks_(\d+)_")]
    private static partial Regex SingleBlock();

    [GeneratedRegex(@"(?:^|_)single_transformer_blocks_(\d+)_")]
    private static partial Regex DiffusersSingleBlock();

    [GeneratedRegex(@"(?:^|_)blocks_\d+_(?:self_attn|cross_attn)_")]
    private static partial Regex WanBlock();

    [GeneratedRegex(@"(?:^|_)transformer_blocks_\d+_(?:img_mlp|txt_mlp|img_mod|txt_mod)_")]
    private static partial Regex QwenBlock();

    [GeneratedRegex(@"(?:down_blocks|up_blocks|mid_block|input_blocks|output_blocks|middle_block)_")]
    private static partial Regex UnetPart();

    /// <summary>Whether most tensors are adapter weights (a LoRA may carry a few extras, e.g. bundled embeddings).</summary>
    public static bool IsLora(TensorIndex t)
    {
        var adapter = t.Names.Count(IsAdapterTensor);
        return adapter * 2 >= t.Count && t.Names.Any(n => DownSuffixes.Any(s => n.EndsWith(s, StringComparison.Ordinal))
            || n.EndsWith(".lora_up.weight", StringComparison.Ordinal) || n.EndsWith(".lora_B.weight", StringComparison.Ordinal)
            || n.Contains(".lokr_w1", StringComparison.Ordinal));
    }

    public static ModelArchitecture Classify(TensorIndex t)
    {
        var flat = t.Names.ToDictionary(n => n.ToLowerInvariant().Replace('.', '_'), n => n, StringComparer.Ordinal);
        var (family, note) = Family(t, flat);
        var variant = Variant(t);
        var detail = string.Join(", ", new[] { variant, note }.Where(s => s is not null));
        return new ModelArchitecture(ModelKinds.Lora, family, detail.Length == 0 ? null : detail);
    }

    private static bool IsAdapterTensor(string n) =>
        n.EndsWith(".alpha", StringComparison.Ordinal) || n.EndsWith(".dora_scale", StringComparison.Ordinal)
        || n.EndsWith(".diff", StringComparison.Ordinal) || n.EndsWith(".diff_b", StringComparison.Ordinal)
        || n.Contains(".lora_", StringComparison.Ordinal) || n.Contains(".lora.", StringComparison.Ordinal)
        || n.Contains(".hada_", StringComparison.Ordinal) || n.Contains(".lokr_", StringComparison.Ordinal);

    private static string? Variant(TensorIndex t)
    {
        if (t.Names.Any(n => n.Contains(".hada_w1_a", StringComparison.Ordinal)))
        {
            return "LoHa";
        }

        if (t.Names.Any(n => n.Contains(".lokr_w1", StringComparison.Ordinal)))
        {
            return "LoKr";
        }

        if (t.Names.Any(n => n.EndsWith(".dora_scale", StringComparison.Ordinal)))
        {
            return "DoRA";
        }

        // LoCon: the adapter also patches convolutions with a spatial kernel (a LoRA's 1×1 proj_in is 4-D too).
        return t.Names.Any(n => DownSuffixes.Any(s => n.EndsWith(s, StringComparison.Ordinal)) && t.Rank(n) == 4 && t.Dim(n, 2) > 1)
            ? "LoCon" : null;
    }

    private static (string Family, string? Note) Family(TensorIndex t, Dictionary<string, string> flat)
    {
        var names = flat.Keys;
        var doubleMax = Max(names, DoubleBlock());
        var singleMax = Math.Max(Max(names, SingleBlock()), Max(names, DiffusersSingleBlock()));
        if (doubleMax >= 0 || singleMax >= 0)
        {
            // Flux.1 has 19 double and 38 single blocks, HunyuanVideo 20 and 40 (same names, same width).
            return doubleMax >= 19 || singleMax >= 38 ? (HunyuanVideo, null)
                : doubleMax == 18 || singleMax == 37 ? (Flux1, null)
                : (Unknown, "double/single-stream DiT (Flux.1 or HunyuanVideo), too few blocks patched to tell");
        }

        if (names.Any(n => n.Contains("joint_blocks_", StringComparison.Ordinal)))
        {
            return (Sd3, null);
        }

        if (names.Any(n => QwenBlock().IsMatch(n)))
        {
            return (QwenImage, null);
        }

        if (names.Any(n => WanBlock().IsMatch(n)))
        {
            return (Wan, null);
        }

        var unet = names.Any(n => UnetPart().IsMatch(n));
        if (!unet && Width(t, flat, "_attn_add_k_proj_") is 1536 or 2432)
        {
            return (Sd3, "diffusers layout");
        }

        if (!unet && Width(t, flat, "_attn1_to_q_") is 2048 or 4096)
        {
            return (LtxVideo, null);
        }

        if (unet && Width(t, flat, "_attn2_to_k_") is { } context)
        {
            return DiffusionRules.FamilyOfContext(context) is var f && f != Unknown ? (f, null) : (Unknown, $"UNet LoRA with {context}-wide cross-attention");
        }

        if (names.Any(n => n.StartsWith("lora_te1_", StringComparison.Ordinal) || n.StartsWith("lora_te2_", StringComparison.Ordinal) || n.Contains("text_encoder_2_", StringComparison.Ordinal)))
        {
            return (Sdxl, "text encoders only");
        }

        return Width(t, flat, "lora_te_text_model_encoder_layers_") switch
        {
            768 => (Sd1, "text encoder only"),
            1024 => (Sd2, "text encoder only"),
            _ => (Unknown, null),
        };
    }

    /// <summary>The input width of the first adapter down-projection on a layer whose flattened name contains <paramref name="marker"/>.</summary>
    private static long? Width(TensorIndex t, Dictionary<string, string> flat, string marker) =>
        flat.Where(p => p.Key.Contains(marker, StringComparison.Ordinal) && DownSuffixes.Any(s => p.Value.EndsWith(s, StringComparison.Ordinal)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => t.Dim(p.Value, 1)).FirstOrDefault();

    private static int Max(IEnumerable<string> names, Regex pattern) =>
        names.Select(n => pattern.Match(n)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max();
}
