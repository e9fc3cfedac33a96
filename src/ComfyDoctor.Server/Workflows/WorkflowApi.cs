using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Workflows;

/// <summary><c>POST /admin/workflows?name=N</c> (the workflow JSON as the body; <see cref="WorkflowRegistration"/>) and <c>GET
/// /admin/workflows</c>.</summary>
public static class WorkflowApi
{
    /// <param name="Resolution">Per node type: pack, version, evidence, reason, runners-up
    /// (<see cref="Catalog.StoredResolution"/>).</param>
    public sealed record WorkflowView(string Name, DateTimeOffset AddedAt, JsonElement Requirements, JsonElement? Resolution);

    public static void MapWorkflows(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Workflows");
        admin.MapPost("/workflows", AddAsync).WithMetadata(WorkflowRegistration.SizeLimit(app));
        admin.MapGet("/workflows", async Task<Ok<List<WorkflowView>>> (ComfyDoctorDb db, CancellationToken ct) =>
            TypedResults.Ok(
                (await db.Workflows.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct))
                    .Select(w => new WorkflowView(
                        w.Name,
                        DateTimeOffset.FromUnixTimeMilliseconds(w.AddedAt),
                        JsonDocument.Parse(w.RequirementsJson).RootElement,
                        w.ResolutionJson is null ? null : JsonDocument.Parse(w.ResolutionJson).RootElement
                    ))
                    .ToList()
            )
        );
    }

    private static async Task<Results<Ok<WorkflowRegistration.Requirements>, ProblemHttpResult>> AddAsync(
        string? name,
        HttpRequest request,
        ClaimsPrincipal user,
        WorkflowRegistration registration,
        CancellationToken ct
    )
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        return (await registration.RegisterAsync(name, body.ToArray(), user.Identity!.Name!, ct)).OkOrProblem();
    }
}
