namespace ComfyDoctor.Core.Registry;

/// <summary>A known-good model: where it belongs and what its bytes hash to.</summary>
/// <param name="Identity"><c>&lt;folder key&gt;/&lt;relative path&gt;</c>.</param>
/// <param name="Sha256">Lower-case hex.</param>
public sealed record RegistryEntry(string Identity, string Sha256, long? Size, IReadOnlyList<string> Urls);
