using System.Security.Claims;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Registry;

/// <summary>
/// The model registry: <c>GET /admin/models</c>, <c>POST /admin/models</c> (a registry file, JSON or YAML, as the body) and
/// <c>POST /admin/models/adopt/{worker}</c> (the worker's verified models become known-good).
/// </summary>
public static class RegistryApi
{
    public static void MapRegistry(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Registry");
        admin.MapGet("/models", async Task<Ok<List<ModelView>>> (ComfyDoctorDb db, CancellationToken ct) =>
            TypedResults.Ok(
                (await db.ModelChecksums.AsNoTracking().OrderBy(m => m.Identity).ToListAsync(ct)).Select(ModelView.From).ToList()
            )
        );
        admin.MapPost("/models", ImportAsync);
        admin.MapPost(
            "/models/adopt/{worker}",
            async Task<Results<Ok<int>, ProblemHttpResult>> (
                string worker,
                ClaimsPrincipal user,
                RegistryAdoption adoption,
                CancellationToken ct
            ) => (await adoption.AdoptAsync(worker, user.Identity!.Name!, ct)).OkOrProblem()
        );
    }

    private static async Task<Results<Ok<int>, ProblemHttpResult>> ImportAsync(
        HttpRequest request,
        ClaimsPrincipal user,
        RegistryImport import,
        CancellationToken ct
    )
    {
        using var reader = new StreamReader(request.Body);
        return (await import.ImportAsync(await reader.ReadToEndAsync(ct), "request body", user.Identity!.Name!, ct)).OkOrProblem();
    }
}
