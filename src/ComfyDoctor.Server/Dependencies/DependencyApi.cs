using ComfyDoctor.Core.Dependencies;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Dependencies;

/// <summary><c>GET /admin/dependency-graph</c> and <c>GET /admin/orphaned-models</c>: reads over workflows and the latest scans.</summary>
public static class DependencyApi
{
    public static void MapDependencies(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Dependencies");
        admin.MapGet("/dependency-graph", async Task<Ok<DependencyGraph>> (ComfyDoctorDb db, CancellationToken ct) =>
            TypedResults.Ok(await DependencyData.GraphAsync(db, ct))
        );
        admin.MapGet("/orphaned-models", async Task<Ok<OrphanedModels>> (ComfyDoctorDb db, CancellationToken ct) =>
            TypedResults.Ok(await DependencyData.OrphansAsync(db, ct))
        );
    }
}
