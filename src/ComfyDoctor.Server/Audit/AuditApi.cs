using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Audit;

/// <summary><c>GET /admin/audit?page=&amp;size=</c> (the trail, oldest first) and <c>GET /admin/audit/verify</c> (the chain and its anchor
/// checked).</summary>
public static class AuditApi
{
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Audit");
        admin.MapGet("/audit", PageAsync);
        admin.MapGet("/audit/verify", async Task<Ok<AuditTrail.Verification>> (AuditTrail audit, CancellationToken ct) =>
            TypedResults.Ok(await audit.VerifyAsync(ct))
        );
    }

    private static async Task<Ok<List<AuditView>>> PageAsync(int? page, int? size, ComfyDoctorDb db, CancellationToken ct)
    {
        var take = Math.Clamp(size ?? 50, 1, 500);
        var skip = Math.Max(0, (page ?? 1) - 1) * take;
        return TypedResults.Ok(
            (await db.Audit.AsNoTracking().OrderBy(a => a.Seq).Skip(skip).Take(take).ToListAsync(ct)).Select(AuditView.From).ToList()
        );
    }
}
