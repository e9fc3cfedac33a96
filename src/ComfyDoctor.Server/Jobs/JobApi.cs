using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Jobs. Admins: <c>GET /admin/jobs/{id}</c>, <c>POST /admin/jobs/{id}/cancel</c>. Agents, only their own:
/// <c>GET /agent/v1/jobs/next</c> (long poll), <c>POST …/{id}/progress</c>, <c>…/{id}/release</c>, <c>…/{id}/result</c>.
/// </summary>
public static class JobApi
{
    public static void MapJobs(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Jobs");
        admin.MapGet("/jobs/{id}", JobAsync);
        admin.MapPost(
            "/jobs/{id}/cancel",
            async Task<Results<Ok<JobView>, ProblemHttpResult>> (
                string id,
                ClaimsPrincipal user,
                JobCancellation cancellation,
                CancellationToken ct
            ) => (await cancellation.CancelAsync(id, user.Identity!.Name!, ct)).OkOrProblem()
        );

        var agent = app.MapAgentGroup("Jobs");
        agent.MapGet("/jobs/next", NextAsync);
        agent.MapPost(
            "/jobs/{id}/progress",
            async Task<Results<NoContent, ProblemHttpResult>> (
                string id,
                JobProgress progress,
                ClaimsPrincipal user,
                JobLeases leases,
                CancellationToken ct
            ) => NoContentOr(await leases.ProgressAsync(WorkerId(user), id, progress, ct))
        );
        agent.MapPost(
            "/jobs/{id}/release",
            async Task<Results<NoContent, ProblemHttpResult>> (string id, ClaimsPrincipal user, JobLeases leases, CancellationToken ct) =>
                NoContentOr(await leases.ReleaseAsync(WorkerId(user), id, ct))
        );
        agent
            .MapPost("/jobs/{id}/result", ResultAsync)
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<ServerOptions>().MaxResultBytes));
    }

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> JobAsync(string id, ComfyDoctorDb db, CancellationToken ct)
    {
        var found = await db
            .Jobs.AsNoTracking()
            .Where(j => j.Id == id)
            .Join(db.Workers, j => j.WorkerId, w => w.Id, (j, w) => new { Job = j, Worker = w.Name })
            .FirstOrDefaultAsync(ct);
        return found is null
            ? ProblemTypes.JobNotFound.Because($"no job '{id}'").ToProblem()
            : TypedResults.Ok(JobView.From(found.Job, found.Worker));
    }

    private static async Task<Results<Ok<AgentJob>, NoContent, ProblemHttpResult>> NextAsync(
        string? kinds,
        ClaimsPrincipal user,
        JobQueue queue,
        ComfyDoctorDb db,
        PollAdmission admission,
        SeenMarks seen,
        HttpResponse response,
        IHostApplicationLifetime lifetime,
        CancellationToken ct
    )
    {
        using var ticket = await admission.EnterAsync(ct);
        if (ticket is null)
        {
            return Busy(response, "holds all the polls it can now", PollAdmission.RetryAfterSeconds()); // drawn apart
        }

        var workerId = WorkerId(user);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (seen.Due(workerId, now))
        {
            await db.Workers.Where(w => w.Id == workerId).ExecuteUpdateAsync(s => s.SetProperty(w => w.LastSeenAt, now), ct);
        }

        // A stopping server ends its long polls at once (204): agents reconnect, to it or to another replica.
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        JobRow? job;
        try
        {
            var onlyKind = kinds == AgentProtocol.UploadBlobJob ? AgentProtocol.UploadBlobJob : null;
            job = await queue.ClaimAsync(workerId, onlyKind, ticket, poll.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            job = null;
        }

        return job is null ? TypedResults.NoContent() : TypedResults.Ok(ToAgentJob(job));
    }

    private static AgentJob ToAgentJob(JobRow job) =>
        job.Kind switch
        {
            AgentProtocol.RepairJob => Repairs.PlannedJobs.ToAgentJob(job),
            AgentProtocol.UploadBlobJob => new AgentJob(
                job.Id,
                job.Kind,
                null,
                Upload: JsonSerializer.Deserialize<BlobUploadPayload>(job.PayloadJson, ReportJson.Options)
            ),
            _ => new AgentJob(job.Id, job.Kind, JsonSerializer.Deserialize<ScanJobPayload>(job.PayloadJson, ReportJson.Options)),
        };

    /// <summary>503 with a <c>Retry-After</c>, saying what is full.</summary>
    private static ProblemHttpResult Busy(HttpResponse response, string what, int retry)
    {
        response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ProblemTypes.ServerBusy.Because($"this server {what}; retry in {retry} s").ToProblem();
    }

    /// <summary>
    /// Reads the result itself rather than by model binding, so a body over <see cref="ServerOptions.MaxResultBytes"/>
    /// (said up front by Content-Length, or found while reading a chunked one) is answered 413 with the reason; it is read
    /// only in a turn of <see cref="ResultAdmission"/> (503 and a Retry-After when too many wait already).
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ResultAsync(
        string id,
        HttpRequest request,
        ClaimsPrincipal user,
        ScanResults results,
        ResultAdmission admission,
        ServerOptions options,
        CancellationToken ct
    )
    {
        if (request.ContentLength is { } length && length > options.MaxResultBytes)
        {
            return TooLarge(request, id, $"{length:N0} bytes", options.MaxResultBytes);
        }

        using var turn = await admission.EnterAsync(ct);
        if (turn is null)
        {
            request.HttpContext.Response.Headers.Connection = "close"; // its body is left unread (see TooLarge)
            return Busy(
                request.HttpContext.Response,
                $"is storing {options.MaxConcurrentResults} results with {options.MaxQueuedResults} waiting",
                admission.RetryAfterSeconds() // paced at the rate results are stored
            );
        }

        JobResult? result;
        try
        {
            result = await JsonSerializer.DeserializeAsync<JobResult>(request.Body, ReportJson.Options, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(request, id, $"more than {options.MaxResultBytes:N0}", options.MaxResultBytes);
        }
        catch (JsonException e)
        {
            return ProblemTypes.InvalidResult.Because($"result of job {id} is not valid JSON: {e.Message}").ToProblem();
        }

        return NoContentOr(
            result is null
                ? ProblemTypes.InvalidResult.Because($"result of job {id} is empty")
                : await results.StoreAsync(WorkerId(user), id, result, ct)
        );
    }

    /// <summary>
    /// 413 with the reason. The body is left unread, so the connection is closed after the answer (<c>Connection: close</c>):
    /// a client that reused it for its next request would find it cut mid-way.
    /// </summary>
    private static ProblemHttpResult TooLarge(HttpRequest request, string id, string size, long limit)
    {
        request.HttpContext.Response.Headers.Connection = "close";
        return ProblemTypes
            .ResultTooLarge.Because(
                $"result of job {id} refused: {size} bytes is over this server's limit of "
                    + $"{limit:N0} bytes ({limit >> 20} MiB); raise it with `comfydoctor server --max-result-mb`"
            )
            .ToProblem();
    }

    private static Results<NoContent, ProblemHttpResult> NoContentOr(Refusal? refusal) =>
        refusal is null ? TypedResults.NoContent() : refusal.ToProblem();

    private static string WorkerId(ClaimsPrincipal user) => user.FindFirstValue(TokenAuthentication.WorkerIdClaim)!;
}
