namespace ComfyDoctor.Core.Inventory;

/// <summary>A model file found under a model root.</summary>
/// <param name="Identity">
/// <c>&lt;folder key&gt;/&lt;relative path&gt;</c> with <c>/</c> separators, e.g. <c>checkpoints/sd15/model.safetensors</c>.
/// </param>
/// <param name="Path">
/// Absolute path on the worker. For a path that is not valid UTF-8 this is its text (<c>Text/FileNameText</c>:
/// <c>evil\xff.pt</c>), which does not open the file: <see cref="RawPath"/> holds the bytes.
/// </param>
/// <param name="Sha256">Lower-case hex SHA-256, or null when it was not computed.</param>
/// <param name="Format">The result of the format check (safetensors header, GGUF counts, pickle opcodes).</param>
public sealed record ModelFile(string Identity, string Path, long Size, DateTimeOffset ModifiedAt, string? Sha256, FormatCheck Format)
{
    /// <summary>The path's bytes in base64 when they are not valid UTF-8 (null otherwise, and then not written to JSON).</summary>
    public string? RawPath { get; init; }
}
