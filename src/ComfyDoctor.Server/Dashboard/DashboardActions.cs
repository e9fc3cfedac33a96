using System.Security.Claims;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Workflows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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
        ui.MapPost("/workflows", AddWorkflowAsync).WithMetadata(WorkflowRegistration.SizeLimit(app));
        ui.MapPost("/registry/import", ImportRegistryAsync);
        ui.MapPost("/registry/adopt", AdoptAsync);
        ui.MapPost("/repair", RepairAsync);
        app.MapGet(
                "/ui/repairs/{repairId}/events",
                (string repairId, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, ComfyDoctorDb db, CancellationToken ct) =>
                    RepairEvents.StreamAsync(repairId, lastEventId, db, ct)
            )
            .RequireAuthorization(DashboardAuthentication.ReadPolicy);
    }

    /// <summary>Runs the stored plan the admin just saw (its id and version), exactly; the repair's page follows it live.</summary>
    private static async Task<RedirectHttpResult> RepairAsync(
        [FromForm] string? plan,
        [FromForm] string? version,
        ClaimsPrincipal user,
        RepairRequests requests,
        CancellationToken ct
    )
    {
        if (string.IsNullOrEmpty(plan) || string.IsNullOrEmpty(version))
        {
            return Back("/repairs", "Open the repair's plan first, then run it from there.", failed: true);
        }

        var outcome = await requests.ConfirmAsync(plan, version, Actor(user), ct);
        return outcome.Started is { } started
            ? TypedResults.Redirect($"/repairs/{started.RepairId}")
            : Back($"/repair-plan?plan={Uri.EscapeDataString(plan)}", outcome.Refusal?.Detail ?? "nothing was queued", failed: true);
    }

    private static async Task<RedirectHttpResult> AddWorkflowAsync(
        [FromForm] string? name,
        IFormFile? file,
        ClaimsPrincipal user,
        WorkflowRegistration registration,
        CancellationToken ct
    )
    {
        if (file is null)
        {
            return Back("/workflows", "Choose a workflow file (UI or API JSON).", failed: true);
        }

        using var body = new MemoryStream();
        await file.CopyToAsync(body, ct);
        var chosen = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(file.FileName) : name.Trim();
        var outcome = await registration.RegisterAsync(chosen, body.ToArray(), Actor(user), ct);
        return outcome.Value is not { } needs
            ? Failed("/workflows", outcome.Refusal)
            : Back(
                "/workflows",
                $"Workflow '{chosen}' registered: {needs.Models.Count} models, {needs.NodePacks.Count} node packs, "
                    + $"{needs.Unresolved.Count} unresolved node types."
            );
    }

    private static async Task<RedirectHttpResult> ImportRegistryAsync(
        IFormFile? file,
        ClaimsPrincipal user,
        RegistryImport import,
        CancellationToken ct
    )
    {
        if (file is null)
        {
            return Back("/registry", "Choose a registry file (JSON or YAML).", failed: true);
        }

        using var reader = new StreamReader(file.OpenReadStream());
        var outcome = await import.ImportAsync(await reader.ReadToEndAsync(ct), file.FileName, Actor(user), ct);
        return outcome.Refusal is null
            ? Back("/registry", $"Imported {outcome.Value} known-good models from {file.FileName}.")
            : Failed("/registry", outcome.Refusal);
    }

    private static async Task<RedirectHttpResult> AdoptAsync(
        [FromForm] string? worker,
        ClaimsPrincipal user,
        RegistryAdoption adoption,
        CancellationToken ct
    )
    {
        var outcome = await adoption.AdoptAsync(worker ?? "", Actor(user), ct);
        return outcome.Refusal is null
            ? Back("/registry", $"Adopted {outcome.Value} models of {worker} as known-good.")
            : Failed("/registry", outcome.Refusal);
    }

    private static RedirectHttpResult Failed(string page, Refusal? refusal) => Back(page, refusal?.Detail ?? "refused", failed: true);

    /// <summary>Back to a page, which shows what happened (<c>?done=</c> or <c>?failed=</c>).</summary>
    internal static RedirectHttpResult Back(string page, string message, bool failed = false) =>
        TypedResults.Redirect(
            page
                + (page.Contains('?', StringComparison.Ordinal) ? '&' : '?')
                + (failed ? "failed" : "done")
                + "="
                + Uri.EscapeDataString(message)
        );

    private static async Task<RedirectHttpResult> ScanAsync(
        [FromForm] bool? deep,
        ClaimsPrincipal user,
        ScanRequests scans,
        CancellationToken ct
    )
    {
        var outcome = await scans.QueueAsync(null, deep ?? false, Actor(user), ct); // every worker: never refused
        return outcome.Value is { } started ? Back("/", $"Scan queued for {started.Count} workers.") : Failed("/", outcome.Refusal);
    }

    /// <summary>The session's name (<c>dashboard:admin</c>), or <c>admin</c> when the admin bearer token was used.</summary>
    internal static string Actor(ClaimsPrincipal user) => user.Identity!.Name!;
}
