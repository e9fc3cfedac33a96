namespace ComfyDoctor.Core.Inventory;

/// <summary>A model file found under a model root.</summary>
/// <param name="Identity">
/// <c>&lt;folder key&gt;/&lt;relative path&gt;</c> with <c>/</c> separators, e.g. <c>checkpoints/sd15/model.safetensors</c>.
/// </param>
/// <param name="Path">Absolute path on the worker.</param>
/// <param name="Sha256">Lower-case hex SHA-256, or null when it was not computed.</param>
/// <param name="Format">The result of the format check (safetensors header, GGUF counts, pickle opcodes).</param>
public sealed record ModelFile(
    string Identity,
    string Path,
    long Size,
    DateTimeOffset ModifiedAt,
    string? Sha256,
    FormatCheck Format);
