using System.Security.Claims;
using ComfyDoctor.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Stored repair plans: <c>GET /admin/repair-plans/{id}</c> (what a dry run, the dashboard's plan page or a finished
/// repair's fresh plan stored) and <c>POST /admin/repair-plans/{id}/confirm</c> <c>{version?}</c>: 202 with the repair
/// running exactly that plan; 404 for an unknown plan; 409 when it is not that version, already confirmed, too old, or a
/// worker of it is being repaired.
/// </summary>
public static class RepairPlanRoutes
{
    public sealed record ConfirmBody(string? Version);

    public sealed record PlanView(
        string PlanId,
        string Version,
        DateTimeOffset CreatedAt,
        string CreatedBy,
        IReadOnlyList<string> Actions,
        string? From,
        IReadOnlyList<string>? Models,
        string? AfterJobId,
        string? RepairId,
        DateTimeOffset? ConfirmedAt,
        string? ConfirmedBy,
        IReadOnlyList<RepairPlans.WorkerPlan> Plans
    );

    public static void MapRepairPlans(this RouteGroupBuilder admin)
    {
        admin.MapGet("/repair-plans/{id}", GetAsync);
        admin.MapPost("/repair-plans/{id}/confirm", ConfirmAsync);
    }

    private static async Task<Results<Ok<PlanView>, ProblemHttpResult>> GetAsync(string id, ComfyDoctorDb db, CancellationToken ct) =>
        await db.RepairPlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct) is { } row
            ? TypedResults.Ok(View(row))
            : ProblemTypes.RepairPlanNotFound.Because($"no repair plan '{id}'").ToProblem();

    private static async Task<Results<Accepted<RepairRequests.Started>, ProblemHttpResult>> ConfirmAsync(
        string id,
        [FromBody] ConfirmBody? body,
        ClaimsPrincipal user,
        RepairRequests requests,
        CancellationToken ct
    )
    {
        var outcome = await requests.ConfirmAsync(id, body?.Version, user.Identity!.Name!, ct);
        return outcome.Started is { } started
            ? TypedResults.Accepted($"/admin/repairs/{started.RepairId}", started)
            : outcome.Refusal!.ToProblem();
    }

    public static PlanView View(RepairPlanRow row)
    {
        var ask = RepairPlans.AskOf(row);
        var confirmedAt = row.ConfirmedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null;
        return new PlanView(
            row.Id,
            row.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
            row.CreatedBy,
            ask.Scope.ToNames(),
            ask.From,
            ask.Models,
            row.AfterJobId,
            row.RepairId,
            confirmedAt,
            row.ConfirmedBy,
            RepairPlans.PlansOf(row)
        );
    }
}
