namespace ComfyDoctor.Core.Architecture;

/// <summary>
/// What a model file is, read from its header's tensor names and shapes: its <see cref="Kind"/> (a
/// <see cref="ModelKinds"/> code) and the model <see cref="Family"/> it works with (a <see cref="ModelFamilies"/> code,
/// <c>unknown</c> when the header does not settle it, or the file serves several families).
/// </summary>
/// <param name="Detail">What else the header says, e.g. <c>LoKr</c>, <c>CLIP-G</c>, <c>inpainting</c>,
/// <c>16-channel latent (SD3.x or Flux.1)</c>.</param>
public sealed record ModelArchitecture(string Kind, string Family, string? Detail = null)
{
    public static ModelArchitecture Unknown { get; } = new(ModelKinds.Unknown, ModelFamilies.Unknown);

    public bool KindKnown => Kind != ModelKinds.Unknown;

    public bool FamilyKnown => Family != ModelFamilies.Unknown;

    /// <summary>e.g. <c>LoRA, SDXL (LoCon)</c> or <c>VAE, family unknown (4-channel latent)</c>.</summary>
    public string Describe() =>
        $"{ModelKinds.Display(Kind)}, "
        + $"{(FamilyKnown ? ModelFamilies.Display(Family) : "family unknown")}{(Detail is null ? "" : $" ({Detail})")}";
}
