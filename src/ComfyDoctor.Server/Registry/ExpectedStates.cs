using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Server.Registry;

/// <summary>What every worker should hold, from the store: the registry's models and the needs of every registered workflow.</summary>
public static class ExpectedStates
{
    public static async Task<ExpectedState> LoadAsync(ComfyDoctorDb db, ServerOptions options, CancellationToken ct)
    {
        var registry = ExpectedState.FromRegistry(await RegistryAsync(db, ct)) with { Policy = options.Health };
        return await Workflows.WorkflowRegistration.AddNeedsAsync(registry, db, ct);
    }

    public static async Task<ModelRegistry> RegistryAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var rows = await db.ModelChecksums.AsNoTracking().ToListAsync(ct);
        return new ModelRegistry(
            rows.Select(r => new RegistryEntry(
                r.Identity,
                r.Sha256,
                r.Size,
                System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.UrlsJson) ?? []
            )
            {
                Kind = r.Kind,
                Family = r.Family,
            })
        );
    }
}
