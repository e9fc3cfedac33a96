using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Scans;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComfyDoctor.Server.Jobs;

/// <summary>The agent API: enroll once, then poll for jobs and post progress and results — only one's own.</summary>
public static class AgentApi
{
    /// <summary>The concurrency limit of result posts (<see cref="ServerOptions.MaxConcurrentResults"/>); waiting posts are queued, never refused.</summary>
    public const string ResultsLimit = "agent-results";

    public static void AddAgentApiLimits(this IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton<EnrollmentGuard>();
        services.AddRateLimiter(limiter => limiter.AddConcurrencyLimiter(ResultsLimit, c =>
        {
            c.PermitLimit = Math.Max(1, options.MaxConcurrentResults);
            c.QueueLimit = 1_000_000;
            c.QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst;
        }));
    }

    public static void MapAgentApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(AgentProtocol.Prefix + "/enroll", EnrollAsync).AllowAnonymous();
        var agent = app.MapGroup(AgentProtocol.Prefix + "/jobs").RequireAuthorization(TokenAuthentication.AgentRole);
        agent.MapGet("/next", NextAsync);
        agent.MapPost("/{id}/progress", ProgressAsync);
        agent.MapPost("/{id}/release", ReleaseAsync);
        agent.MapPost("/{id}/result", ResultAsync)
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<ServerOptions>().MaxResultBytes))
            .RequireRateLimiting(ResultsLimit);
    }

    private static async Task<Results<Ok<EnrollResponse>, UnauthorizedHttpResult, Conflict<string>, BadRequest<string>, ProblemHttpResult>> EnrollAsync(
        EnrollRequest request, Secrets secrets, ComfyDoctorDb db, AuditTrail audit, EnrollmentGuard guard, HttpContext context, CancellationToken ct)
    {
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (guard.IsBlocked(address))
        {
            context.Response.Headers.RetryAfter = ((int)EnrollmentGuard.Window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem("too many wrong enroll tokens from this address; try again in a minute", statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(request.EnrollToken ?? ""), System.Text.Encoding.UTF8.GetBytes(secrets.EnrollToken)))
        {
            await guard.RefusedAsync(address, request.Name, audit, ct);
            return TypedResults.Unauthorized();
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 128 || request.Name.Any(char.IsControl))
        {
            return TypedResults.BadRequest("name must be 1 to 128 printable characters");
        }

        if (request.Tags is { } tags && (tags.Count > 32 || tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 64 || t.Contains(',', StringComparison.Ordinal) || t.Any(char.IsControl))))
        {
            return TypedResults.BadRequest("tags: at most 32, each 1 to 64 printable characters without commas");
        }

        if (await db.Workers.AnyAsync(w => w.Name == request.Name, ct))
        {
            return TypedResults.Conflict($"a worker named '{request.Name}' is already enrolled");
        }

        var credential = Secrets.NewToken();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var worker = new WorkerRow
        {
            Id = Guid.NewGuid().ToString("N"), Name = request.Name, Tags = string.Join(',', request.Tags ?? []),
            CredentialHash = Secrets.HashCredential(credential), EnrolledAt = now, LastSeenAt = now, AutoRepair = request.AutoRepair,
        };
        db.Workers.Add(worker);
        await audit.AppendAsync("agent:" + request.Name, "worker.enroll", request.Name, $"tags={worker.Tags} auto-repair={request.AutoRepair}", "ok", ct);
        return TypedResults.Ok(new EnrollResponse(worker.Id, credential));
    }

    private static async Task<Results<Ok<AgentJob>, NoContent>> NextAsync(string? kinds, ClaimsPrincipal user, JobQueue queue, ComfyDoctorDb db,
        IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var workerId = WorkerId(user);
        await Touch(db, workerId, ct);
        // A stopping server ends its long polls at once (204): agents reconnect, to it or to another replica.
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        JobRow? job;
        try
        {
            job = await queue.ClaimAsync(workerId, kinds == AgentProtocol.UploadBlobJob ? AgentProtocol.UploadBlobJob : null, poll.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            job = null;
        }

        return job is null ? TypedResults.NoContent() : TypedResults.Ok(ToAgentJob(job));
    }

    private static AgentJob ToAgentJob(JobRow job) => job.Kind switch
    {
        AgentProtocol.RepairJob => Repairs.PlannedJobs.ToAgentJob(job),
        AgentProtocol.UploadBlobJob => new AgentJob(job.Id, job.Kind, null, Upload: JsonSerializer.Deserialize<BlobUploadPayload>(job.PayloadJson, ReportJson.Options)),
        _ => new AgentJob(job.Id, job.Kind, JsonSerializer.Deserialize<ScanJobPayload>(job.PayloadJson, ReportJson.Options)),
    };

    /// <summary>
    /// Stores the job's progress and renews its lease: a job that still reports progress is alive, however long it runs.
    /// 409 when an admin asked to cancel it: the agent stops its work and reports what it did.
    /// </summary>
    private static async Task<Results<NoContent, NotFound, Conflict<string>>> ProgressAsync(string id, JobProgress progress, ClaimsPrincipal user, ComfyDoctorDb db,
        ServerOptions options, CancellationToken ct)
    {
        var workerId = WorkerId(user);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var updated = await db.Jobs.Where(j => j.Id == id && j.WorkerId == workerId && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.ProgressJson, JsonSerializer.Serialize(progress, ReportJson.Options))
                .SetProperty(j => j.LeaseUntil, now + (long)options.JobLease.TotalMilliseconds)
                .SetProperty(j => j.UpdatedAt, now), ct);
        if (updated != 1)
        {
            return TypedResults.NotFound();
        }

        return await db.Jobs.AnyAsync(j => j.Id == id && j.CancelRequested, ct) ? TypedResults.Conflict("cancelled by an admin") : TypedResults.NoContent();
    }

    /// <summary>
    /// An agent that is stopping (SIGTERM) hands its unfinished scan or repair back: queued again, the attempt not counted,
    /// so the agent's next start (or its replacement's) takes it at once instead of after its lease.
    /// </summary>
    private static async Task<Results<NoContent, NotFound>> ReleaseAsync(string id, ClaimsPrincipal user, ComfyDoctorDb db, CancellationToken ct)
    {
        var workerId = WorkerId(user);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var released = await db.Jobs.Where(j => j.Id == id && j.WorkerId == workerId && j.Status == JobStatus.Running && j.Kind != AgentProtocol.UploadBlobJob)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Queued).SetProperty(j => j.LeaseUntil, (long?)null)
                .SetProperty(j => j.Attempts, j => j.Attempts > 0 ? j.Attempts - 1 : 0).SetProperty(j => j.UpdatedAt, now), ct);
        if (released != 1)
        {
            return TypedResults.NotFound();
        }

        await db.Scans.Where(s => s.JobId == id && s.Status == JobStatus.Running).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, JobStatus.Queued), ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Reads the result itself rather than by model binding, so a body over <see cref="ServerOptions.MaxResultBytes"/>
    /// (said up front by Content-Length, or found while reading a chunked one) is answered 413 with the reason.
    /// </summary>
    private static async Task<Results<NoContent, NotFound, BadRequest<string>, ContentHttpResult>> ResultAsync(
        string id, HttpRequest request, ClaimsPrincipal user, ScanResults results, ServerOptions options, CancellationToken ct)
    {
        if (request.ContentLength is { } length && length > options.MaxResultBytes)
        {
            return TooLarge(request, id, $"{length:N0} bytes", options.MaxResultBytes);
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
            return TypedResults.BadRequest($"result of job {id} is not valid JSON: {e.Message}");
        }

        var outcome = result is null ? $"result of job {id} is empty" : await results.StoreAsync(WorkerId(user), id, result, ct);
        return outcome switch
        {
            null => TypedResults.NoContent(),
            "" => TypedResults.NotFound(),
            _ => TypedResults.BadRequest(outcome),
        };
    }

    /// <summary>
    /// 413 with the reason. The body is left unread, so the connection is closed after the answer (<c>Connection: close</c>):
    /// a client that reused it for its next request would find it cut mid-way.
    /// </summary>
    private static ContentHttpResult TooLarge(HttpRequest request, string id, string size, long limit)
    {
        request.HttpContext.Response.Headers.Connection = "close";
        return TypedResults.Text(
            $"result of job {id} refused: {size} bytes is over this server's limit of {limit:N0} bytes ({limit >> 20} MiB); "
            + "raise it with `comfydoctor server --max-result-mb`", "text/plain", null, StatusCodes.Status413PayloadTooLarge);
    }

    private static string WorkerId(ClaimsPrincipal user) => user.FindFirstValue(TokenAuthentication.WorkerIdClaim)!;

    private static Task<int> Touch(ComfyDoctorDb db, string workerId, CancellationToken ct) =>
        db.Workers.Where(w => w.Id == workerId).ExecuteUpdateAsync(s => s.SetProperty(w => w.LastSeenAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), ct);
}
