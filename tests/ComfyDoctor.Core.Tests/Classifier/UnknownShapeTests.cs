using ComfyDoctor.Core.Architecture;

namespace ComfyDoctor.Core.Tests.Classifier;

/// <summary>
/// Tensor names without shapes (a pickle whose sizes the scan did not see): a rule that needs a dimension does not
/// decide, so the family is unknown rather than guessed; the same names with their shapes settle it.
/// </summary>
public sealed class UnknownShapeTests
{
    private static ModelArchitecture Classify(bool shapes, params (string Name, long[] Shape)[] tensors) =>
        ArchitectureClassifier.Classify([.. tensors.Select(t => new TensorInfo(t.Name, shapes ? t.Shape : null))]);

    private static readonly (string, long[])[] Sd15Unet =
    [
        ("input_blocks.0.0.weight", [320, 4, 3, 3]),
        ("input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", [320, 768]),
        ("out.2.weight", [4, 320, 3, 3]),
    ];

    [Fact]
    public void A_unet_without_its_widths_is_a_diffusion_model_of_no_family()
    {
        var named = Classify(false, Sd15Unet);

        Assert.Equal((ModelKinds.DiffusionModel, ModelFamilies.Unknown), (named.Kind, named.Family));
        Assert.Equal("UNet, its cross-attention width not seen", named.Detail);
        Assert.Equal(ModelFamilies.Sd1, Classify(true, Sd15Unet).Family);
    }

    [Fact]
    public void A_text_encoder_without_its_width_is_not_called_CLIP_L_or_G()
    {
        var named = Classify(
            false,
            ("text_model.embeddings.token_embedding.weight", [49408, 1280]),
            ("text_model.final_layer_norm.weight", [1280])
        );

        Assert.Equal(
            (ModelKinds.TextEncoder, ModelFamilies.Unknown, "CLIP text, width not seen"),
            (named.Kind, named.Family, named.Detail)
        );
    }

    [Fact]
    public void Sizeless_vae_and_embedding_tensors_are_not_claimed()
    {
        Assert.Equal(
            ModelArchitecture.Unknown,
            Classify(false, ("decoder.conv_in.weight", [512, 4, 3, 3]), ("encoder.conv_in.weight", [128, 3, 3, 3]))
        );
        Assert.Equal(ModelArchitecture.Unknown, Classify(false, ("emb_params", [8, 768])));
        Assert.Equal(
            (ModelKinds.Embedding, ModelFamilies.Sd1),
            (Classify(true, ("emb_params", [8, 768])).Kind, Classify(true, ("emb_params", [8, 768])).Family)
        );
    }

    [Fact]
    public void A_kohya_lora_keeps_the_family_its_names_alone_settle()
    {
        (string, long[])[] lora =
        [
            ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight", [8, 2048]),
            ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight", [640, 8]),
            ("lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", [8, 1280]),
        ];
        (string, long[])[] sd15 =
        [
            ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", [8, 768]),
            ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", [320, 8]),
        ];

        var named = Classify(false, lora);

        // lora_te2_: SDXL's second encoder
        Assert.Equal((ModelKinds.Lora, ModelFamilies.Sdxl, null), (named.Kind, named.Family, named.Detail));
        Assert.Equal((ModelKinds.Lora, ModelFamilies.Unknown), (Classify(false, sd15).Kind, Classify(false, sd15).Family));
        Assert.Equal(ModelFamilies.Sd1, Classify(true, sd15).Family);
    }
}
