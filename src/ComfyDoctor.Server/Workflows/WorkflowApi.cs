using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Workflows;

/// <summary><c>POST /admin/workflows?name=N</c> (the workflow JSON as the body; <see cref="WorkflowRegistration"/>), <c>GET
/// /admin/workflows</c>, <c>GET /admin/workflows/resolution</c> (the fleet's one decision, as <c>resolve --fleet --json</c>
/// prints it) and <c>POST /admin/workflows/resolve</c> (resolve the fleet again now, with what workers' ComfyUI reported).</summary>
public static class WorkflowApi
{
    /// <param name="Resolution">The fleet's decision for this workflow: per node type pack, version, evidence, rule, reason,
    /// runners-up (<see cref="Catalog.StoredResolution"/>, Core's <see cref="ResolutionJson"/> shape).</param>
    public sealed record WorkflowView(string Name, DateTimeOffset AddedAt, JsonElement Requirements, JsonElement? Resolution);

    public static void MapWorkflows(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Workflows");
        admin.MapPost("/workflows", AddAsync).WithMetadata(WorkflowRegistration.SizeLimit(app));
        admin.MapGet("/workflows/resolution", ResolutionAsync);
        admin.MapPost("/workflows/resolve", async (ClaimsPrincipal user, Catalog.CatalogService catalog, CancellationToken ct) =>
            TypedResults.Ok(await catalog.ResolveFleetAsync(user.Identity!.Name!, "requested", ct))
        );
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

    /// <summary>The fleet's one decision over every registered workflow, in the shape of <c>comfydoctor resolve --fleet --json</c>
    /// (<see cref="ResolutionJson"/>; each workflow's <c>file</c> is its registered name).</summary>
    private static async Task<Ok<ResolutionJson>> ResolutionAsync(ComfyDoctorDb db, CancellationToken ct) =>
        TypedResults.Ok(
            new ResolutionJson(
                (await db.Workflows.AsNoTracking().OrderBy(w => w.Name).Select(w => new { w.Name, w.ResolutionJson }).ToListAsync(ct))
                    .Select(w => Catalog.StoredResolution.Read(w.ResolutionJson)?.AsWorkflow(w.Name))
                    .OfType<ResolutionJson.Workflow>()
                    .ToList()
            )
        );

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
