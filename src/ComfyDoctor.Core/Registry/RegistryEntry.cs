namespace ComfyDoctor.Core.Registry;

/// <summary>A known-good model: where it belongs and what its bytes hash to.</summary>
/// <param name="Identity"><c>&lt;folder key&gt;/&lt;relative path&gt;</c>.</param>
/// <param name="Sha256">Lower-case hex.</param>
public sealed record RegistryEntry(string Identity, string Sha256, long? Size, IReadOnlyList<string> Urls)
{
    /// <summary>The model's kind (an <see cref="Architecture.ModelKinds"/> code), when the registry says.</summary>
    public string? Kind { get; init; }

    /// <summary>The model's family (an <see cref="Architecture.ModelFamilies"/> code), when the registry says.</summary>
    public string? Family { get; init; }
}
