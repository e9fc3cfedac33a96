using System.Security.Claims;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Workflows;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Store;
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
        ui.MapPost("/workflows", AddWorkflowAsync).WithMetadata(WorkflowApi.SizeLimit(app));
        ui.MapPost("/registry/import", ImportRegistryAsync);
        ui.MapPost("/registry/adopt", AdoptAsync);
        ui.MapPost("/repair", RepairAsync);
        app.MapGet("/ui/repairs/{repairId}/events", (string repairId, HttpContext context, ComfyDoctorDb db, CancellationToken ct) =>
            RepairEvents.StreamAsync(repairId, context, db, ct)).RequireAuthorization(DashboardAuthentication.ReadPolicy);
    }

    /// <summary>Runs the stored plan the admin just saw (its id and version), exactly; the repair's page follows it live.</summary>
    private static async Task<RedirectHttpResult> RepairAsync([FromForm] string? plan, [FromForm] string? version, ClaimsPrincipal user,
        RepairRequests requests, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(plan) || string.IsNullOrEmpty(version))
        {
            return Back("/repairs", "Open the repair's plan first, then run it from there.", failed: true);
        }

        var outcome = await requests.ConfirmAsync(plan, version, Actor(user), ct);
        return outcome.Started is { } started ? TypedResults.Redirect($"/repairs/{started.RepairId}")
            : Back($"/repair-plan?plan={Uri.EscapeDataString(plan)}", outcome.Conflict ?? outcome.NotFound ?? "nothing was queued",
                failed: true);
    }

    private static async Task<RedirectHttpResult> AddWorkflowAsync([FromForm] string? name, IFormFile? file, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        if (file is null)
        {
            return Back("/workflows", "Choose a workflow file (UI or API JSON).", failed: true);
        }

        using var body = new MemoryStream();
        await file.CopyToAsync(body, ct);
        var chosen = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(file.FileName) : name.Trim();
        var (needs, error) = await WorkflowApi.RegisterAsync(chosen, body.ToArray(), Actor(user), db, audit, ct);
        return needs is null ? Back("/workflows", error!, failed: true)
            : Back("/workflows", $"Workflow '{chosen}' registered: {needs.Models.Count} models, {needs.NodePacks.Count} node packs, {needs.Unresolved.Count} unresolved node types.");
    }

    private static async Task<RedirectHttpResult> ImportRegistryAsync(IFormFile? file, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        if (file is null)
        {
            return Back("/registry", "Choose a registry file (JSON or YAML).", failed: true);
        }

        using var reader = new StreamReader(file.OpenReadStream());
        var (count, error) = await AdminApi.ImportRegistryAsync(await reader.ReadToEndAsync(ct), file.FileName, Actor(user), db, audit, ct);
        return error is null ? Back("/registry", $"Imported {count} known-good models from {file.FileName}.") : Back("/registry", error, failed: true);
    }

    private static async Task<RedirectHttpResult> AdoptAsync([FromForm] string? worker, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        var result = await RegistryAdoption.AdoptAsync(worker ?? "", user, db, audit, ct);
        return result.Result is Ok<int> ok ? Back("/registry", $"Adopted {ok.Value} models of {worker} as known-good.")
            : Back("/registry", ((NotFound<string>)result.Result).Value!, failed: true);
    }

    /// <summary>Back to a page, which shows what happened (<c>?done=</c> or <c>?failed=</c>).</summary>
    internal static RedirectHttpResult Back(string page, string message, bool failed = false) =>
        TypedResults.Redirect($"{page}{(page.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{(failed ? "failed" : "done")}={Uri.EscapeDataString(message)}");

    private static async Task<RedirectHttpResult> ScanAsync([FromForm] bool? deep, ClaimsPrincipal user, ScanRequests scans, CancellationToken ct)
    {
        var (started, _) = await scans.QueueAsync(null, deep ?? false, Actor(user), ct);
        return Back("/", $"Scan queued for {started.Count} workers.");
    }

    /// <summary>The session's name (<c>dashboard:admin</c>), or <c>admin</c> when the admin bearer token was used.</summary>
    internal static string Actor(ClaimsPrincipal user) => user.Identity!.Name!;
}
