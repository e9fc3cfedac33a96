using static ComfyDoctor.Core.Architecture.ModelFamilies;

namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// VAEs, after the keys <c>comfy/sd.py</c>'s <c>VAE</c> looks for. The image VAEs of SD1.x, SD2.x and SDXL share one
/// 4-channel layout, SD3.x and Flux.1 one 16-channel layout: their family stays unknown (the detail says which).
/// Video VAEs are their own: LTX-Video (<c>decoder.up_blocks.0.res_blocks…conv.weight</c>), HunyuanVideo (causal 3-D
/// <c>decoder.conv_in.conv.weight</c>), Wan (<c>decoder.middle.0.residual.0.gamma</c>; with
/// <c>decoder.upsamples.0.upsamples.0.residual.2.weight</c>, 48 latent channels, it is Wan 2.2's,
/// the 16-channel Wan 2.1 layout also serves Qwen-Image).
/// </summary>
internal static class VaeRules
{
    public static ModelArchitecture? Classify(TensorIndex t)
    {
        if (t.Has("decoder.up_blocks.0.res_blocks.0.conv1.conv.weight"))
        {
            return new(ModelKinds.Vae, LtxVideo, "video VAE");
        }

        if (t.Has("decoder.conv_in.conv.weight"))
        {
            var latent = t.Dim("decoder.conv_in.conv.weight", 1);
            return new(
                ModelKinds.Vae,
                latent == 16 ? HunyuanVideo : Unknown,
                latent is null ? "causal 3-D VAE" : $"causal 3-D VAE, {latent}-channel latent"
            );
        }

        if (t.Has("decoder.middle.0.residual.0.gamma"))
        {
            // ComfyUI's marker of the Wan 2.2 VAE; its 48 latent channels show in decoder.conv1's input too.
            return t.Has("decoder.upsamples.0.upsamples.0.residual.2.weight") || t.Dim("decoder.conv1.weight", 1) == 48
                ? new(ModelKinds.Vae, Wan, "Wan 2.2 VAE, 48-channel latent")
                : new(ModelKinds.Vae, Unknown, "Wan 2.1-style VAE, used by Wan 2.x and Qwen-Image");
        }

        if (!t.Has("decoder.conv_in.weight") || t.Rank("decoder.conv_in.weight") != 4)
        {
            return null;
        }

        return t.Dim("decoder.conv_in.weight", 1) switch
        {
            4 => new(ModelKinds.Vae, Unknown, "4-channel latent: SD1.x, SD2.x or SDXL"),
            16 => new(ModelKinds.Vae, Unknown, "16-channel latent: SD3.x or Flux.1"),
            var c => new(ModelKinds.Vae, Unknown, $"{c}-channel latent"),
        };
    }
}
