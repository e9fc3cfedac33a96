using System.Security.Claims;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace ComfyDoctor.Server.Dashboard;

/// <summary>
/// What the dashboard's forms post to (<c>/ui/…</c>): admins only, anti-forgery token required (form binding validates
/// it), each answered by a redirect back to a page with what happened. The same services as the admin API do the work.
/// </summary>
public static class DashboardActions
{
    public static void MapDashboardActions(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui").RequireAuthorization(DashboardAuthentication.WritePolicy);
        ui.MapPost("/scan", ScanAsync);
    }

    private static async Task<RedirectHttpResult> ScanAsync([FromForm] bool? deep, ClaimsPrincipal user, ScanRequests scans, CancellationToken ct)
    {
        var (started, _) = await scans.QueueAsync(null, deep ?? false, Actor(user), ct);
        return TypedResults.Redirect("/?done=" + Uri.EscapeDataString($"Scan queued for {started.Count} workers"));
    }

    internal static string Actor(ClaimsPrincipal user) => "dashboard:" + user.Identity!.Name;
}
