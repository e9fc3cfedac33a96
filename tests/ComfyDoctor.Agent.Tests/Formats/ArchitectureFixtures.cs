using ComfyDoctor.Core.Architecture;
using static ComfyDoctor.Core.Architecture.ModelFamilies;
using static ComfyDoctor.Core.Architecture.ModelKinds;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>A model file laid out as a real one of its kind and family: real tensor names and shapes, the data a hole.</summary>
internal sealed record ArchitectureFixture(string Name, string Kind, string Family, string Extension, Action<string> Write)
{
    public override string ToString() => Name;
}

/// <summary>
/// Header-only files of each kind and family, with the tensor names and shapes ComfyUI's detection reads (a subset of a
/// real file's tensors, real shapes), in the dtypes they ship in: fp16/bf16, fp8 (F8_E4M3, F8_E5M2) with F32 norms,
/// GGUF Q4_K/Q8_0 with F16 where a row is not a whole number of blocks. And files that are none of them.
/// </summary>
internal static class ArchitectureFixtures
{
    public static readonly (string, long[])[] Sd1Unet =
    [
        T("input_blocks.0.0.weight", 320, 4, 3, 3),
        T("input_blocks.1.0.in_layers.0.weight", 320),
        T("input_blocks.1.1.proj_in.weight", 320, 320, 1, 1),
        T("input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", 320, 768),
        T("middle_block.1.proj_in.weight", 1280, 1280, 1, 1),
        T("out.2.weight", 4, 320, 3, 3),
    ];

    private static readonly (string, long[])[] SdxlUnet =
    [
        T("input_blocks.0.0.weight", 320, 4, 3, 3),
        T("input_blocks.1.0.in_layers.0.weight", 320),
        T("input_blocks.4.1.proj_in.weight", 640, 640),
        T("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", 640, 2048),
        T("label_emb.0.0.weight", 1280, 2816),
        T("out.2.weight", 4, 320, 3, 3),
    ];

    private static readonly (string, long[])[] FluxDit =
    [
        T("img_in.weight", 3072, 64),
        T("txt_in.weight", 3072, 4096),
        T("double_blocks.0.img_attn.norm.key_norm.scale", 128),
        T("double_blocks.0.img_attn.qkv.weight", 9216, 3072),
        T("double_blocks.18.img_attn.qkv.weight", 9216, 3072),
        T("single_blocks.37.linear1.weight", 21504, 3072),
        T("final_layer.linear.weight", 64, 3072),
    ];

    public static IReadOnlyList<ArchitectureFixture> All { get; } =
    [
        // Full checkpoints: the diffusion model under model.diffusion_model., with a VAE and text encoders.
        St(
            "SD1.5 checkpoint",
            Checkpoint,
            Sd1,
            "F16",
            [
                .. Prefixed("model.diffusion_model.", Sd1Unet),
                T("first_stage_model.decoder.conv_in.weight", 512, 4, 3, 3),
                T("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", 49408, 768),
            ]
        ),
        St(
            "SD1.5 inpainting checkpoint",
            Checkpoint,
            Sd1,
            "F16",
            [
                .. Prefixed("model.diffusion_model.", Sd1Unet.Skip(1)),
                T("model.diffusion_model.input_blocks.0.0.weight", 320, 9, 3, 3),
                T("first_stage_model.decoder.conv_in.weight", 512, 4, 3, 3),
            ]
        ),
        St(
            "SD2.1 checkpoint",
            Checkpoint,
            Sd2,
            "F16",
            T("model.diffusion_model.input_blocks.0.0.weight", 320, 4, 3, 3),
            T("model.diffusion_model.input_blocks.1.1.proj_in.weight", 320, 320),
            T("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", 320, 1024),
            T("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight", 3072, 1024),
            T("first_stage_model.decoder.conv_in.weight", 512, 4, 3, 3)
        ),
        St(
            "SDXL checkpoint, fp8 e4m3 UNet",
            Checkpoint,
            Sdxl,
            "F8_E4M3",
            [
                .. Prefixed("model.diffusion_model.", SdxlUnet),
                T("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight", 49408, 768),
                T("conditioner.embedders.1.model.token_embedding.weight", 49408, 1280),
                T("first_stage_model.decoder.conv_in.weight", 512, 4, 3, 3),
            ]
        ),
        St(
            "SD3.5 medium checkpoint",
            Checkpoint,
            Sd3,
            "F16",
            T("model.diffusion_model.joint_blocks.0.context_block.attn.qkv.weight", 4608, 1536),
            T("model.diffusion_model.x_embedder.proj.weight", 1536, 16, 2, 2),
            T("model.diffusion_model.pos_embed", 1, 36864, 1536),
            T("text_encoders.clip_l.transformer.text_model.embeddings.token_embedding.weight", 49408, 768),
            T("first_stage_model.decoder.conv_in.weight", 512, 16, 3, 3)
        ),
        // Diffusion models alone (ComfyUI's diffusion_models/, formerly unet/).
        St("SDXL diffusion model", DiffusionModel, Sdxl, "F16", SdxlUnet),
        St(
            "SDXL refiner UNet",
            DiffusionModel,
            Sdxl,
            "F16",
            T("input_blocks.0.0.weight", 384, 4, 3, 3),
            T("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", 768, 1280),
            T("label_emb.0.0.weight", 1536, 2560)
        ),
        St("Flux.1 dev, fp8 e4m3", DiffusionModel, Flux1, "F8_E4M3", [.. FluxDit, T("guidance_in.in_layer.weight", 3072, 256)]),
        St("Flux.1 schnell, fp8 e5m2", DiffusionModel, Flux1, "F8_E5M2", FluxDit),
        Gg(
            "Flux.1 dev GGUF Q4_K",
            DiffusionModel,
            Flux1,
            "flux",
            GgufWriter.Q4_K,
            [.. FluxDit, T("guidance_in.in_layer.weight", 3072, 256)]
        ),
        St(
            "Wan 2.1 T2V 14B",
            DiffusionModel,
            Wan,
            "BF16",
            T("patch_embedding.weight", 5120, 16, 1, 2, 2),
            T("head.modulation", 1, 2, 5120),
            T("blocks.0.self_attn.q.weight", 5120, 5120),
            T("blocks.0.cross_attn.k.weight", 5120, 5120),
            T("text_embedding.0.weight", 5120, 4096)
        ),
        St(
            "Wan 2.1 I2V 14B, fp8 e4m3",
            DiffusionModel,
            Wan,
            "F8_E4M3",
            T("patch_embedding.weight", 5120, 36, 1, 2, 2),
            T("head.modulation", 1, 2, 5120),
            T("img_emb.proj.0.bias", 1280),
            T("blocks.0.self_attn.q.weight", 5120, 5120)
        ),
        Gg(
            "Wan 2.2 TI2V 5B GGUF Q8_0",
            DiffusionModel,
            Wan,
            "wan",
            GgufWriter.Q8_0,
            T("patch_embedding.weight", 3072, 48, 1, 2, 2),
            T("head.modulation", 1, 2, 3072),
            T("blocks.0.self_attn.q.weight", 3072, 3072),
            T("blocks.0.ffn.0.weight", 14336, 3072)
        ),
        St(
            "HunyuanVideo",
            DiffusionModel,
            HunyuanVideo,
            "BF16",
            T("img_in.proj.weight", 3072, 16, 1, 2, 2),
            T("txt_in.individual_token_refiner.blocks.0.norm1.weight", 3072),
            T("double_blocks.0.img_attn.norm.key_norm.scale", 128),
            T("double_blocks.19.img_attn_qkv.weight", 9216, 3072),
            T("single_blocks.39.linear1.weight", 21504, 3072)
        ),
        St(
            "LTX-Video 2B",
            DiffusionModel,
            LtxVideo,
            "BF16",
            T("patchify_proj.weight", 2048, 128),
            T("adaln_single.emb.timestep_embedder.linear_1.bias", 2048),
            T("transformer_blocks.0.attn1.to_q.weight", 2048, 2048)
        ),
        St(
            "Qwen-Image, fp8 e4m3",
            DiffusionModel,
            QwenImage,
            "F8_E4M3",
            T("img_in.weight", 3072, 64),
            T("txt_norm.weight", 3584),
            T("txt_in.weight", 3072, 3584),
            T("transformer_blocks.0.img_mod.1.weight", 18432, 3072),
            T("transformer_blocks.0.img_mlp.net.0.proj.weight", 12288, 3072)
        ),
        // LoRA family: kohya, diffusers and ComfyUI spellings; LoCon, LoHa, LoKr, DoRA.
        St(
            "SD1.5 LoRA (kohya)",
            Lora,
            Sd1,
            "F16",
            T("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", 16, 768),
            T("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", 320, 16),
            T("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.alpha"),
            T("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", 16, 768)
        ),
        St(
            "SD1.5 LoCon",
            Lora,
            Sd1,
            "F16",
            T("lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight", 8, 320, 3, 3),
            T("lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight", 320, 8, 1, 1),
            T("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", 8, 320, 1, 1),
            T("lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn2_to_k.lora_down.weight", 8, 768)
        ),
        St(
            "SDXL LoRA (kohya)",
            Lora,
            Sdxl,
            "F16",
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight", 32, 2048),
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight", 640, 32),
            T("lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", 32, 768),
            T("lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", 32, 1280)
        ),
        St(
            "SDXL LoHa",
            Lora,
            Sdxl,
            "F16",
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.hada_w1_a", 640, 8),
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.hada_w1_b", 8, 2048),
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.hada_w2_a", 640, 8),
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.hada_w2_b", 8, 2048),
            T("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.alpha")
        ),
        St(
            "Flux.1 LoKr",
            Lora,
            Flux1,
            "BF16",
            T("lora_unet_double_blocks_0_img_attn_qkv.lokr_w1", 8, 8),
            T("lora_unet_double_blocks_0_img_attn_qkv.lokr_w2", 1152, 384),
            T("lora_unet_double_blocks_18_img_attn_qkv.lokr_w1", 8, 8),
            T("lora_unet_single_blocks_37_linear1.lokr_w1", 8, 8),
            T("lora_unet_single_blocks_37_linear1.lokr_w2", 2688, 384)
        ),
        St(
            "Flux.1 LoRA (diffusers)",
            Lora,
            Flux1,
            "BF16",
            T("transformer.transformer_blocks.18.attn.add_k_proj.lora_A.weight", 16, 3072),
            T("transformer.transformer_blocks.18.attn.add_k_proj.lora_B.weight", 3072, 16),
            T("transformer.single_transformer_blocks.37.attn.to_k.lora_A.weight", 16, 3072)
        ),
        St(
            "Wan 2.1 DoRA",
            Lora,
            Wan,
            "BF16",
            T("diffusion_model.blocks.0.self_attn.q.lora_A.weight", 32, 5120),
            T("diffusion_model.blocks.0.self_attn.q.lora_B.weight", 5120, 32),
            T("diffusion_model.blocks.0.self_attn.q.dora_scale", 1, 5120)
        ),
        St(
            "HunyuanVideo LoRA",
            Lora,
            HunyuanVideo,
            "BF16",
            T("diffusion_model.double_blocks.19.img_attn_qkv.lora_A.weight", 32, 3072),
            T("diffusion_model.double_blocks.19.img_attn_qkv.lora_B.weight", 9216, 32)
        ),
        St(
            "LTX-Video LoRA",
            Lora,
            LtxVideo,
            "BF16",
            T("transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", 32, 2048),
            T("transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", 2048, 32)
        ),
        St(
            "Qwen-Image LoRA",
            Lora,
            QwenImage,
            "BF16",
            T("transformer_blocks.0.img_mlp.net.0.proj.lora_A.weight", 16, 3072),
            T("transformer_blocks.0.img_mlp.net.0.proj.lora_B.weight", 12288, 16),
            T("transformer_blocks.0.attn.add_k_proj.lora_A.weight", 16, 3072)
        ),
        St(
            "SD3.5 LoRA (diffusers)",
            Lora,
            Sd3,
            "F16",
            T("transformer.transformer_blocks.0.attn.add_k_proj.lora_A.weight", 16, 1536),
            T("transformer.transformer_blocks.0.attn.add_k_proj.lora_B.weight", 1536, 16)
        ),
        // VAEs.
        St(
            "SD/SDXL VAE",
            Vae,
            ModelFamilies.Unknown,
            "F16",
            T("encoder.conv_in.weight", 128, 3, 3, 3),
            T("decoder.conv_in.weight", 512, 4, 3, 3),
            T("decoder.conv_out.weight", 3, 128, 3, 3)
        ),
        St(
            "Flux.1/SD3 VAE",
            Vae,
            ModelFamilies.Unknown,
            "BF16",
            T("encoder.conv_in.weight", 128, 3, 3, 3),
            T("decoder.conv_in.weight", 512, 16, 3, 3)
        ),
        St(
            "Wan 2.2 VAE",
            Vae,
            Wan,
            "F16",
            T("decoder.middle.0.residual.0.gamma", 1024, 1, 1, 1),
            T("decoder.conv1.weight", 1024, 48, 3, 3, 3),
            T("decoder.upsamples.0.upsamples.0.residual.2.weight", 1024, 1024, 3, 3, 3)
        ),
        St(
            "Wan 2.1 VAE (also Qwen-Image's)",
            Vae,
            ModelFamilies.Unknown,
            "BF16",
            T("decoder.middle.0.residual.0.gamma", 384, 1, 1, 1),
            T("decoder.conv1.weight", 384, 16, 3, 3, 3)
        ),
        St(
            "HunyuanVideo VAE",
            Vae,
            HunyuanVideo,
            "F16",
            T("decoder.conv_in.conv.weight", 512, 16, 3, 3, 3),
            T("encoder.conv_in.conv.weight", 128, 3, 3, 3, 3)
        ),
        St(
            "LTX-Video VAE",
            Vae,
            LtxVideo,
            "BF16",
            T("decoder.up_blocks.0.res_blocks.0.conv1.conv.weight", 512, 512, 3, 3, 3),
            T("decoder.conv_in.conv.weight", 512, 128, 3, 3, 3)
        ),
        // Text encoders and CLIP vision.
        St(
            "CLIP-L",
            TextEncoder,
            ModelFamilies.Unknown,
            "F16",
            T("text_model.embeddings.token_embedding.weight", 49408, 768),
            T("text_model.encoder.layers.0.self_attn.q_proj.weight", 768, 768)
        ),
        St(
            "CLIP-G",
            TextEncoder,
            ModelFamilies.Unknown,
            "F16",
            T("text_model.embeddings.token_embedding.weight", 49408, 1280),
            T("text_projection.weight", 1280, 1280)
        ),
        St(
            "T5-XXL, fp8 e4m3",
            TextEncoder,
            ModelFamilies.Unknown,
            "F8_E4M3",
            T("shared.weight", 32128, 4096),
            T("encoder.block.0.layer.0.SelfAttention.q.weight", 4096, 4096),
            T("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", 32, 64)
        ),
        St(
            "umT5-XXL (Wan)",
            TextEncoder,
            Wan,
            "BF16",
            T("shared.weight", 256384, 4096),
            T("encoder.block.0.layer.0.SelfAttention.q.weight", 4096, 4096),
            T("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", 32, 64)
        ),
        St(
            "Qwen2.5-VL 7B (Qwen-Image)",
            TextEncoder,
            QwenImage,
            "BF16",
            T("model.embed_tokens.weight", 152064, 3584),
            T("model.layers.0.self_attn.q_proj.weight", 3584, 3584),
            T("model.layers.0.self_attn.q_proj.bias", 3584)
        ),
        St(
            "Llama-3 8B style",
            TextEncoder,
            ModelFamilies.Unknown,
            "F8_E4M3",
            T("model.embed_tokens.weight", 128256, 4096),
            T("model.layers.0.self_attn.q_proj.weight", 4096, 4096)
        ),
        Gg(
            "T5-XXL GGUF Q8_0",
            TextEncoder,
            ModelFamilies.Unknown,
            "t5encoder",
            GgufWriter.Q8_0,
            T("token_embd.weight", 32128, 4096),
            T("enc.blk.0.attn_q.weight", 4096, 4096)
        ),
        St(
            "CLIP vision ViT-H",
            ClipVision,
            ModelFamilies.Unknown,
            "F16",
            T("vision_model.embeddings.patch_embedding.weight", 1280, 3, 14, 14),
            T("vision_model.encoder.layers.0.self_attn.q_proj.weight", 1280, 1280)
        ),
        // ControlNet, T2I-Adapter, IP-Adapter.
        St(
            "SD1.5 ControlNet",
            ControlNet,
            Sd1,
            "F16",
            T("control_model.zero_convs.0.0.weight", 320, 320, 1, 1),
            T("control_model.input_hint_block.0.weight", 16, 3, 3, 3),
            T("control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", 320, 768)
        ),
        St(
            "SDXL ControlNet (diffusers)",
            ControlNet,
            Sdxl,
            "F16",
            T("controlnet_cond_embedding.conv_in.weight", 16, 3, 3, 3),
            T("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight", 640, 2048),
            T("add_embedding.linear_1.weight", 1280, 2816)
        ),
        St("SDXL T2I-Adapter", ControlNet, Sdxl, "F16", T("conv_in.weight", 320, 768, 3, 3), T("body.0.block1.weight", 320, 320, 3, 3)),
        St(
            "Flux.1 ControlNet",
            ControlNet,
            Flux1,
            "BF16",
            T("controlnet_x_embedder.weight", 3072, 64),
            T("controlnet_blocks.0.weight", 3072, 3072),
            T("transformer_blocks.0.attn.to_q.weight", 3072, 3072)
        ),
        St(
            "SD1.5 IP-Adapter",
            IpAdapter,
            Sd1,
            "F16",
            T("image_proj.proj.weight", 3072, 1024),
            T("image_proj.norm.weight", 768),
            T("ip_adapter.1.to_k_ip.weight", 320, 768)
        ),
        St(
            "SDXL IP-Adapter plus",
            IpAdapter,
            Sdxl,
            "F16",
            T("image_proj.latents", 1, 16, 1280),
            T("image_proj.proj_in.weight", 1280, 1280),
            T("ip_adapter.1.to_k_ip.weight", 640, 2048)
        ),
        // Upscalers and embeddings.
        St(
            "Real-ESRGAN x4",
            Upscaler,
            ModelFamilies.Unknown,
            "F32",
            T("conv_first.weight", 64, 3, 3, 3),
            T("body.0.rdb1.conv1.weight", 32, 64, 3, 3),
            T("conv_last.weight", 3, 64, 3, 3)
        ),
        St(
            "ESRGAN (old layout)",
            Upscaler,
            ModelFamilies.Unknown,
            "F32",
            T("model.0.weight", 64, 3, 3, 3),
            T("model.1.sub.0.RDB1.conv1.0.weight", 32, 64, 3, 3)
        ),
        St("SD1.5 embedding", Embedding, Sd1, "F32", T("emb_params", 4, 768)),
        St("SDXL embedding", Embedding, Sdxl, "F32", T("clip_l", 2, 768), T("clip_g", 2, 1280)),
        // None of them: unknown, honestly.
        St(
            "ResNet-50 classifier",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "F32",
            T("conv1.weight", 64, 3, 7, 7),
            T("layer1.0.conv1.weight", 64, 64, 1, 1),
            T("fc.weight", 1000, 2048)
        ),
        St(
            "Stable Cascade stage C",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "BF16",
            T("clf.1.weight", 16, 2048, 1, 1),
            T("clip_txt_mapper.weight", 2048, 1280)
        ),
        St(
            "AuraFlow",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "F16",
            T("double_layers.0.attn.w1q.weight", 3072, 3072),
            T("positional_encoding", 1, 9216, 3072)
        ),
        St("metadata only", ModelKinds.Unknown, ModelFamilies.Unknown, "F16"),
        St(
            "PixArt (adaln_single without patchify_proj)",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "F16",
            T("adaln_single.emb.timestep_embedder.linear_1.bias", 1152),
            T("pos_embed.proj.weight", 1152, 4, 2, 2),
            T("pos_embed.proj.bias", 1152)
        ),
        St(
            "Chroma (Flux-derived, own guidance layer)",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "BF16",
            [.. FluxDit, T("distilled_guidance_layer.in_proj.weight", 5120, 64)]
        ),
        St(
            "CLIP text and vision towers in one file",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "F16",
            T("text_model.embeddings.token_embedding.weight", 49408, 768),
            T("vision_model.embeddings.patch_embedding.weight", 1024, 3, 14, 14)
        ),
        St(
            "Flux.2-style LoRA (48 single blocks)",
            Lora,
            ModelFamilies.Unknown,
            "BF16",
            T("diffusion_model.single_blocks.47.linear1.lora_A.weight", 16, 6144),
            T("diffusion_model.single_blocks.47.linear1.lora_B.weight", 18432, 16)
        ),
        St(
            "Flux/HunyuanVideo LoRA on a few middle blocks",
            Lora,
            ModelFamilies.Unknown,
            "BF16",
            T("diffusion_model.double_blocks.7.img_attn.qkv.lora_A.weight", 16, 3072),
            T("diffusion_model.double_blocks.7.img_attn.qkv.lora_B.weight", 9216, 16)
        ),
        Gg(
            "GGUF of an unknown network",
            ModelKinds.Unknown,
            ModelFamilies.Unknown,
            "mystery",
            GgufWriter.Q8_0,
            T("output.weight", 512, 256)
        ),
    ];

    private static (string, long[]) T(string name, params long[] shape) => (name, shape);

    public static IEnumerable<(string, long[])> Prefixed(string prefix, IEnumerable<(string Name, long[] Shape)> tensors) =>
        tensors.Select(t => (prefix + t.Name, t.Shape));

    /// <summary>A safetensors file: 1-D tensors (norms, biases) in F32 as mixed-precision files keep them, the rest in
    /// <paramref name="dtype"/>.</summary>
    private static ArchitectureFixture St(
        string name,
        string kind,
        string family,
        string dtype,
        params (string Name, long[] Shape)[] tensors
    ) => new(name, kind, family, ".safetensors", path =>
        {
            var writer = new SafetensorsWriter();
            foreach (var (tensor, shape) in tensors)
            {
                writer.Tensor(tensor, shape.Length <= 1 ? "F32" : dtype, shape);
            }

            writer.WriteSparse(path);
        });

    /// <summary>A GGUF file: dimensions innermost first; quantised where a row is whole blocks, else F16 (as the converters do).</summary>
    private static ArchitectureFixture Gg(
        string name,
        string kind,
        string family,
        string architecture,
        uint type,
        params (string Name, long[] Shape)[] tensors
    ) => new(name, kind, family, ".gguf", path =>
        {
            var writer = new GgufWriter().String("general.architecture", architecture);
            var block = type == GgufWriter.Q4_K ? 256 : 32;
            foreach (var (tensor, shape) in tensors)
            {
                var dims = shape.Reverse().Select(d => (ulong)d).ToArray();
                writer.Tensor(tensor, shape.Length > 1 && dims[0] % (ulong)block == 0 ? type : GgufWriter.F16, dims);
            }

            writer.WriteSparse(path);
        });
}
