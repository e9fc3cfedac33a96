using System.Text.Json;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Registry;

/// <summary>Imports a registry file (JSON or YAML): its entries are added or replace those of the same identity.</summary>
public sealed class RegistryImport(ComfyDoctorDb db, AuditTrail audit)
{
    /// <summary>How many entries were imported, or why nothing was (the file's format problem, audited).</summary>
    public async Task<Outcome<int>> ImportAsync(string text, string source, string actor, CancellationToken ct)
    {
        ModelRegistry registry;
        try
        {
            registry = RegistryFileReader.Read(source, new StringReader(text));
        }
        catch (RegistryFormatException e)
        {
            await audit.AppendAsync(actor, "registry.import", "model_checksums", "", "refused: " + e.Message, ct);
            return ProblemTypes.InvalidRegistry.Because(e.Message);
        }

        foreach (var entry in registry.Entries)
        {
            var row = await db.ModelChecksums.FirstOrDefaultAsync(m => m.Identity == entry.Identity, ct);
            var urls = JsonSerializer.Serialize(entry.Urls);
            if (row is null)
            {
                db.ModelChecksums.Add(
                    new ModelChecksumRow
                    {
                        Identity = entry.Identity,
                        Sha256 = entry.Sha256,
                        Size = entry.Size,
                        UrlsJson = urls,
                        Kind = entry.Kind,
                        Family = entry.Family,
                    }
                );
            }
            else
            {
                (row.Sha256, row.Size, row.UrlsJson, row.Kind, row.Family) = (entry.Sha256, entry.Size, urls, entry.Kind, entry.Family);
            }
        }

        await audit.AppendAsync(actor, "registry.import", "model_checksums", $"{registry.Entries.Count} entries", "ok", ct);
        return registry.Entries.Count;
    }
}
