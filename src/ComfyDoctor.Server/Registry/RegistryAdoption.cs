using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Registry;

/// <summary>
/// "This worker's models are right" — every hashed, structurally sound model
/// of its latest finished scan becomes a registry entry (URLs already known for an identity are kept), with the kind and
/// family its header says where they are known.
/// </summary>
public sealed class RegistryAdoption(ComfyDoctorDb db, AuditTrail audit)
{
    /// <summary>How many models were adopted, or why none were.</summary>
    public async Task<Outcome<int>> AdoptAsync(string worker, string actor, CancellationToken ct)
    {
        if ((await LatestScans.FinishedReportsAsync(db, [worker], ct)).SingleOrDefault() is not { } report)
        {
            var why = $"worker '{worker}' is unknown or has no finished scan";
            await audit.AppendAsync(actor, "registry.adopt", worker, "", "refused: " + why, ct);
            return ProblemTypes.NotScanned.Because(why);
        }

        var adopted = report
            .Inventory.Models.Where(m => m.Sha256 is not null && m.Format.Status is FormatStatus.Valid or FormatStatus.Unchecked)
            .GroupBy(m => m.Identity, StringComparer.Ordinal)
            .Select(g => g.First())
            .ToList();
        foreach (var model in adopted)
        {
            var existing = await db.ModelChecksums.FirstOrDefaultAsync(m => m.Identity == model.Identity, ct);
            var architecture = model.Format.Architecture;
            var kind = architecture is { KindKnown: true } ? architecture.Kind : null;
            var family = architecture is { FamilyKnown: true } ? architecture.Family : null;
            if (existing is null)
            {
                db.ModelChecksums.Add(
                    new ModelChecksumRow
                    {
                        Identity = model.Identity,
                        Sha256 = model.Sha256!,
                        Size = model.Size,
                        UrlsJson = JsonSerializer.Serialize(Array.Empty<string>()),
                        Kind = kind,
                        Family = family,
                    }
                );
            }
            else
            {
                (existing.Sha256, existing.Size, existing.Kind, existing.Family) = (model.Sha256!, model.Size, kind, family);
            }
        }

        await audit.AppendAsync(actor, "registry.adopt", worker, $"scan of {report.ScannedAt:O}", $"{adopted.Count} models", ct);
        return adopted.Count;
    }
}
