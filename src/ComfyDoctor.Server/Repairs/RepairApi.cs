using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// One-click repair: <c>POST /admin/repair/{worker}</c>, <c>POST /admin/repair</c> (several workers),
/// <c>POST /admin/sync-models/{worker}</c>, <c>POST /admin/quarantine/{worker}</c> (named unknown or unsafe files); <c>dryRun</c> answers the plans (200), else 202 with the repair id and a job per
/// worker. <c>GET /admin/repairs/{id}</c> and its live stream <c>/events</c> (server-sent events), <c>POST /admin/jobs/{id}/cancel</c>.
/// </summary>
public static class RepairApi
{
    public sealed record RepairBody(IReadOnlyList<string>? Workers, IReadOnlyList<string>? Actions, bool? DryRun, IReadOnlyList<string>? Models);

    public sealed record SyncBody(string? From, IReadOnlyList<string>? Models, bool? DryRun);

    public static void MapRepairApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/repair/{worker}", (string worker, RepairBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
            SubmitAsync([worker], body.Actions, body.DryRun, null, body.Models, user, requests, ct));
        admin.MapPost("/repair", (RepairBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
            body.Workers is { Count: 0 }
                ? Task.FromResult<IResult>(TypedResults.BadRequest("workers: name at least one, or leave it out to repair every worker"))
                : SubmitAsync(body.Workers, body.Actions, body.DryRun, null, body.Models, user, requests, ct));
        admin.MapPost("/sync-models/{worker}", (string worker, SyncBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
            SubmitAsync([worker], [RepairScope.SyncModelsAction], body.DryRun, body.From, body.Models, user, requests, ct));
        admin.MapPost("/quarantine/{worker}", (string worker, SyncBody body, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct) =>
            body.Models is not { Count: > 0 }
                ? Task.FromResult<IResult>(TypedResults.BadRequest("models: name the unknown or unsafe files to quarantine"))
                : SubmitAsync([worker], [RepairScope.QuarantineModelsAction], body.DryRun, null, body.Models, user, requests, ct));
        admin.MapGet("/repairs/{id}", async (string id, ComfyDoctorDb db, CancellationToken ct) =>
            await JobsOfAsync(db, id, ct) is { Count: > 0 } jobs ? Results.Ok(new { repairId = id, jobs }) : Results.NotFound($"no repair '{id}'"));
        admin.MapGet("/repairs/{id}/events", RepairEvents.StreamAsync);
        admin.MapPost("/jobs/{id}/cancel", CancelAsync);
        admin.MapRepairPlans();
    }

    private static async Task<IResult> SubmitAsync(IReadOnlyList<string>? workers, IReadOnlyList<string>? actions, bool? dryRun, string? from,
        IReadOnlyList<string>? models, ClaimsPrincipal user, RepairRequests requests, CancellationToken ct)
    {
        RepairScope scope;
        try
        {
            scope = RepairScope.Parse(actions);
        }
        catch (FormatException e)
        {
            return TypedResults.BadRequest(e.Message);
        }

        if (scope.Quarantine && models is not { Count: > 0 })
        {
            return TypedResults.BadRequest("quarantine-models: name the files in models (a repair never takes files away unasked)");
        }

        var outcome = await requests.SubmitAsync(new RepairRequests.Request(workers, scope, dryRun ?? false, from, models is { Count: > 0 } ? models : null), user.Identity!.Name!, ct);
        return outcome switch
        {
            { NotFound: { } why } => TypedResults.NotFound(why),
            { Conflict: { } why } => TypedResults.Conflict(why),
            { Plans: { } plans } => workers is { Count: 1 } ? TypedResults.Ok(plans[0]) : TypedResults.Ok(plans),
            { Started: { } started } => TypedResults.Accepted($"/admin/repairs/{started.RepairId}", started),
            _ => throw new InvalidOperationException("a repair request ends in plans, a start or a refusal"),
        };
    }

    internal static async Task<List<JobView>> JobsOfAsync(ComfyDoctorDb db, string repairId, CancellationToken ct) =>
        (await db.Jobs.AsNoTracking().Where(j => j.RepairId == repairId)
            .Join(db.Workers, j => j.WorkerId, w => w.Id, (j, w) => new { Job = j, Worker = w.Name }).ToListAsync(ct))
        .OrderBy(x => x.Worker, StringComparer.Ordinal).Select(x => JobView.From(x.Job, x.Worker)).ToList();

    /// <summary>A queued job is failed at once; a running one is asked to stop (its agent's next progress post is answered 409).</summary>
    private static async Task<Results<Ok<JobView>, NotFound<string>, Conflict<string>>> CancelAsync(string id, ClaimsPrincipal user, ComfyDoctorDb db,
        AuditTrail audit, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.NotFound($"no job '{id}'");
        }

        var worker = await db.Workers.AsNoTracking().Where(w => w.Id == job.WorkerId).Select(w => w.Name).FirstAsync(ct);
        if (job.Status is JobStatus.Done or JobStatus.Failed)
        {
            return TypedResults.Conflict($"job {id} already ended ({job.Status})");
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var transaction = await db.Database.BeginTransactionAsync(ct); // the cancellation and its audit record commit together
        var queued = await db.Jobs.Where(j => j.Id == id && j.Status == JobStatus.Queued).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, JobStatus.Failed).SetProperty(j => j.Error, "cancelled by an admin before it started")
            .SetProperty(j => j.CancelRequested, true).SetProperty(j => j.UpdatedAt, now), ct);
        if (queued == 1)
        {
            await db.Scans.Where(s => s.JobId == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Failed), ct);
        }
        else
        {
            await db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true).SetProperty(j => j.UpdatedAt, now), ct);
        }

        await audit.AppendAsync(user.Identity!.Name!, "job.cancel", worker, $"job={id} kind={job.Kind}", queued == 1 ? "cancelled before it started" : "asked the agent to stop", ct);
        await transaction.CommitAsync(ct);
        var view = await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == id, ct);
        return TypedResults.Ok(JobView.From(view, worker));
    }
}
