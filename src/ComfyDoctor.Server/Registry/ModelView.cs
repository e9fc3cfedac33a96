using System.Text.Json;

namespace ComfyDoctor.Server.Registry;

/// <summary>A registry entry as the API shows it.</summary>
public sealed record ModelView(
    string Identity,
    string Sha256,
    long? Size,
    IReadOnlyList<string> Urls,
    string? Kind = null,
    string? Family = null
)
{
    public static ModelView From(ModelChecksumRow row) =>
        new(row.Identity, row.Sha256, row.Size, JsonSerializer.Deserialize<List<string>>(row.UrlsJson) ?? [], row.Kind, row.Family);
}
