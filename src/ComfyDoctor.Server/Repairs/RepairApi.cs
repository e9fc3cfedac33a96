using System.Security.Claims;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// One-click repair: <c>POST /admin/repair/{worker}</c>, <c>POST /admin/repair</c> (several workers),
/// <c>POST /admin/sync-models/{worker}</c>, <c>POST /admin/quarantine/{worker}</c> (named unknown or unsafe files); <c>dryRun</c>
/// answers the plans (200), else 202 with the repair id and a job per worker (<see cref="RepairRequests"/>).
/// <c>GET /admin/repairs/{id}</c> and its live stream <c>/events</c> (server-sent events, <see cref="RepairEvents"/>).
/// </summary>
public static class RepairApi
{
    public sealed record RepairBody(
        IReadOnlyList<string>? Workers,
        IReadOnlyList<string>? Actions,
        bool? DryRun,
        IReadOnlyList<string>? Models
    );

    public sealed record SyncBody(string? From, IReadOnlyList<string>? Models, bool? DryRun);

    public sealed record RepairView(string RepairId, IReadOnlyList<JobView> Jobs);

    public static void MapRepairs(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Repairs");
        admin.MapPost(
            "/repair/{worker}",
            (string worker, RepairBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
                SubmitAsync([worker], body.Actions, body.DryRun, null, body.Models, user, requests, ct)
        );
        admin.MapPost("/repair", (RepairBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
            body.Workers is { Count: 0 }
                ? Task.FromResult<IResult>(Invalid("workers", "workers: name at least one, or leave it out to repair every worker"))
                : SubmitAsync(body.Workers, body.Actions, body.DryRun, null, body.Models, user, requests, ct)
        );
        admin.MapPost(
            "/sync-models/{worker}",
            (string worker, SyncBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
                SubmitAsync([worker], [RepairScope.SyncModelsAction], body.DryRun, body.From, body.Models, user, requests, ct)
        );
        admin.MapPost(
            "/quarantine/{worker}",
            (string worker, SyncBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
                body.Models is not { Count: > 0 }
                    ? Task.FromResult<IResult>(Invalid("models", "models: name the unknown or unsafe files to quarantine"))
                    : SubmitAsync([worker], [RepairScope.QuarantineModelsAction], body.DryRun, null, body.Models, user, requests, ct)
        );
        admin.MapGet(
            "/repairs/{id}",
            async Task<Results<Ok<RepairView>, ProblemHttpResult>> (string id, ComfyDoctorDb db, CancellationToken ct) =>
                await RepairJobs.OfAsync(db, id, ct) is { Count: > 0 } jobs
                    ? TypedResults.Ok(new RepairView(id, jobs))
                    : ProblemTypes.RepairNotFound.Because($"no repair '{id}'").ToProblem()
        );
        admin.MapGet("/repairs/{id}/events", RepairEvents.StreamAsync);
        admin.MapRepairPlans();
    }

    private static async Task<IResult> SubmitAsync(
        IReadOnlyList<string>? workers,
        IReadOnlyList<string>? actions,
        bool? dryRun,
        string? from,
        IReadOnlyList<string>? models,
        ClaimsPrincipal user,
        RepairRequests requests,
        CancellationToken ct
    )
    {
        RepairScope scope;
        try
        {
            scope = RepairScope.Parse(actions);
        }
        catch (FormatException e)
        {
            return Invalid("actions", e.Message);
        }

        if (scope.Quarantine && models is not { Count: > 0 })
        {
            return Invalid("models", "quarantine-models: name the files in models (a repair never takes files away unasked)");
        }

        var request = new RepairRequests.Request(workers, scope, dryRun ?? false, from, models is { Count: > 0 } ? models : null);
        var outcome = await requests.SubmitAsync(request, user.Identity!.Name!, ct);
        return outcome switch
        {
            { Refusal: { } refusal } => refusal.ToProblem(),
            { Plans: { } plans } => workers is { Count: 1 } ? TypedResults.Ok(plans[0]) : TypedResults.Ok(plans),
            { Started: { } started } => TypedResults.Accepted($"/admin/repairs/{started.RepairId}", started),
            _ => throw new InvalidOperationException("a repair request ends in plans, a start or a refusal"),
        };
    }

    private static ProblemHttpResult Invalid(string field, string why) => ProblemTypes.InvalidRepair.Of(field, why).ToProblem();
}
