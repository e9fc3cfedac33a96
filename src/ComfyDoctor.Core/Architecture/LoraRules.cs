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

    /// <summary>The parts of a UNet (diffusers and ldm spellings) a LoRA's layer names run through.</summary>
    private static readonly string[] UnetParts =
    [
        "down_blocks_",
        "up_blocks_",
        "mid_block_",
        "input_blocks_",
        "output_blocks_",
        "middle_block_",
    ];

    /// <summary>Whether most tensors are adapter weights (a LoRA may carry a few extras, e.g. bundled embeddings).</summary>
    public static bool IsLora(TensorIndex t)
    {
        var adapter = t.Names.Count(IsAdapterTensor);
        return adapter * 2 >= t.Count
            && t.Names.Any(n =>
                IsDown(n)
                || n.EndsWith(".lora_up.weight", StringComparison.Ordinal)
                || n.EndsWith(".lora_B.weight", StringComparison.Ordinal)
                || n.Contains(".lokr_w1", StringComparison.Ordinal)
            );
    }

    public static ModelArchitecture Classify(TensorIndex t)
    {
        // Names that flatten alike ("a.b" and "a_b") keep the first: the rules ask about layers, not exact names.
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in t.Names)
        {
            flat.TryAdd(name.ToLowerInvariant().Replace('.', '_'), name);
        }

        var (family, note) = Family(t, flat);
        var variant = Variant(t);
        var detail = string.Join(", ", new[] { variant, note }.Where(s => s is not null));
        return new ModelArchitecture(ModelKinds.Lora, family, detail.Length == 0 ? null : detail);
    }

    private static bool IsAdapterTensor(string n) =>
        n.EndsWith(".alpha", StringComparison.Ordinal)
        || n.EndsWith(".dora_scale", StringComparison.Ordinal)
        || n.EndsWith(".diff", StringComparison.Ordinal)
        || n.EndsWith(".diff_b", StringComparison.Ordinal)
        || n.Contains(".lora_", StringComparison.Ordinal)
        || n.Contains(".lora.", StringComparison.Ordinal)
        || n.Contains(".hada_", StringComparison.Ordinal)
        || n.Contains(".lokr_", StringComparison.Ordinal);

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
        return t.Names.Any(n => IsDown(n) && t.Rank(n) == 4 && t.Dim(n, 2) > 1) ? "LoCon" : null;
    }

    private static (string Family, string? Note) Family(TensorIndex t, Dictionary<string, string> flat)
    {
        var seen = Scan(flat);
        if (seen.DoubleMax >= 0 || seen.SingleMax >= 0)
        {
            // Flux.1 has 19 double and 38 single blocks, HunyuanVideo 20 and 40 (same names, same width): a LoRA that
            // reaches the last block of one says which; fewer blocks, or more than either has, is not told.
            var hunyuan = seen.DoubleMax <= 19 && seen.SingleMax <= 39 && (seen.DoubleMax == 19 || seen.SingleMax >= 38);
            var flux = seen.DoubleMax <= 18 && seen.SingleMax <= 37 && (seen.DoubleMax == 18 || seen.SingleMax == 37);
            return hunyuan ? (HunyuanVideo, null)
                : flux ? (Flux1, null)
                : (Unknown, "double/single-stream DiT whose blocks do not settle Flux.1 (19 + 38) or HunyuanVideo (20 + 40)");
        }

        if (seen.Joint)
        {
            return (Sd3, null);
        }

        if (seen.Qwen)
        {
            return (QwenImage, null);
        }

        if (seen.Wan)
        {
            return (Wan, null);
        }

        var widths = Widths(t, flat);
        if (!seen.Unet && widths[0] is 1536 or 2432)
        {
            return (Sd3, "diffusers layout");
        }

        if (!seen.Unet && widths[1] is 2048 or 4096)
        {
            return (LtxVideo, null);
        }

        if (seen.Unet && widths[2] is { } context)
        {
            return DiffusionRules.FamilyOfContext(context) is var f && f != Unknown
                ? (f, null)
                : (Unknown, $"UNet LoRA with {context}-wide cross-attention");
        }

        if (seen.SdxlTextEncoders)
        {
            return (Sdxl, seen.Unet ? null : "text encoders only"); // lora_te1_/lora_te2_ name SDXL's two encoders
        }

        return widths[3] switch
        {
            768 => (Sd1, "text encoder only"),
            1024 => (Sd2, "text encoder only"),
            _ => (Unknown, null),
        };
    }

    private sealed record Seen(int DoubleMax, int SingleMax, bool Joint, bool Qwen, bool Wan, bool Unet, bool SdxlTextEncoders);

    /// <summary>One pass over the flattened names; a cheap substring test first, the pattern only where it can match.</summary>
    private static Seen Scan(Dictionary<string, string> flat)
    {
        int doubleMax = -1,
            singleMax = -1;
        bool joint = false,
            qwen = false,
            wan = false,
            unet = false,
            te = false;
        foreach (var n in flat.Keys)
        {
            if (n.Contains("double_blocks_", StringComparison.Ordinal))
            {
                doubleMax = Math.Max(doubleMax, Index(n, DoubleBlock()));
            }

            if (n.Contains("single_", StringComparison.Ordinal))
            {
                singleMax = Math.Max(singleMax, Math.Max(Index(n, SingleBlock()), Index(n, DiffusersSingleBlock())));
            }

            joint |= n.Contains("joint_blocks_", StringComparison.Ordinal);
            qwen |=
                (n.Contains("_mlp_", StringComparison.Ordinal) || n.Contains("_mod_", StringComparison.Ordinal)) && QwenBlock().IsMatch(n);
            wan |= n.Contains("_attn_", StringComparison.Ordinal) && WanBlock().IsMatch(n);
            unet |= !unet && UnetParts.Any(p => n.Contains(p, StringComparison.Ordinal));
            te |=
                n.StartsWith("lora_te1_", StringComparison.Ordinal)
                || n.StartsWith("lora_te2_", StringComparison.Ordinal)
                || n.Contains("text_encoder_2_", StringComparison.Ordinal);
        }

        return new Seen(doubleMax, singleMax, joint, qwen, wan, unet, te);
    }

    private static readonly string[] WidthMarkers =
    [
        "_attn_add_k_proj_",
        "_attn1_to_q_",
        "_attn2_to_k_",
        "lora_te_text_model_encoder_layers_",
    ];

    /// <summary>
    /// For each of <see cref="WidthMarkers"/>: the input width of the adapter down-projection on the first layer (in
    /// ordinal order) whose flattened name contains the marker; null where none does.
    /// </summary>
    private static long?[] Widths(TensorIndex t, Dictionary<string, string> flat)
    {
        var first = new string?[WidthMarkers.Length];
        var names = new string?[WidthMarkers.Length];
        foreach (var (key, name) in flat)
        {
            if (!IsDown(name))
            {
                continue;
            }

            for (var i = 0; i < WidthMarkers.Length; i++)
            {
                if (
                    key.Contains(WidthMarkers[i], StringComparison.Ordinal)
                    && (first[i] is null || string.CompareOrdinal(key, first[i]) < 0)
                )
                {
                    (first[i], names[i]) = (key, name);
                }
            }
        }

        return [.. names.Select(n => n is null ? null : t.Dim(n, 1))];
    }

    /// <summary>The block number in a name; -1 when there is none (or it is absurdly long).</summary>
    private static int Index(string name, Regex pattern) =>
        pattern.Match(name) is { Success: true } m
        && int.TryParse(
            m.Groups[1].ValueSpan,
            System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture,
            out var n
        )
            ? n
            : -1;

    private static bool IsDown(string name) => DownSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));
}
