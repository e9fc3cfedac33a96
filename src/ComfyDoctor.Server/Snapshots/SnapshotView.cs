using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>A stored snapshot as the API lists it: what it applies to, where it came from, and what it pins.</summary>
public sealed record SnapshotView(
    string Scope,
    string Name,
    string Format,
    string Sha256,
    string Source,
    DateTimeOffset ImportedAt,
    string ImportedBy,
    string? ComfyUi,
    int GitPacks,
    int RegistryPacks,
    int FilePacks,
    int Pips,
    int? Models
)
{
    public static SnapshotView From(SnapshotRow row)
    {
        var snapshot = SnapshotReader.Read(row.Content, row.Label);
        return new(
            row.Scope,
            row.Name,
            row.Format,
            row.Sha256,
            row.Source,
            DateTimeOffset.FromUnixTimeMilliseconds(row.ImportedAt),
            row.ImportedBy,
            snapshot.ComfyUi,
            snapshot.GitPacks.Count,
            snapshot.CnrPacks.Count,
            snapshot.FilePacks.Count,
            snapshot.Pips.Count,
            snapshot.Models?.Count
        );
    }
}
