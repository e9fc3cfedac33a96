using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Worker-to-worker blobs for agents: <c>POST hello</c> (where an agent's blob server listens; its token key),
/// <c>GET blobs/{sha256}?from=WORKER</c> (a registry model from another worker's verified files, relayed as a stream, with
/// Range for resumes; only for a running repair of the asking worker that needs it, see <see cref="RelayNeeds"/>) and <c>POST relay/{id}</c> (the reference agent's upload that feeds it).
/// </summary>
public static class RelayApi
{
    public static void MapRelayApi(this IEndpointRouteBuilder app)
    {
        var agent = app.MapGroup(AgentProtocol.Prefix).RequireAuthorization(TokenAuthentication.AgentRole);
        agent.MapPost("/hello", HelloAsync);
        agent.MapGet("/blobs/{sha256}", DownloadAsync);
        agent.MapPost("/relay/{relayId}", UploadAsync).WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
    }

    private static async Task<IResult> HelloAsync(AgentHello hello, ClaimsPrincipal user, ComfyDoctorDb db, BlobKeys keys, CancellationToken ct)
    {
        if (hello.ListenUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url.Length > 512))
        {
            return TypedResults.BadRequest("listenUrl must be an absolute http(s) URL");
        }

        if (BuildProblem(hello) is { } problem)
        {
            return TypedResults.BadRequest(problem);
        }

        var worker = await db.Workers.FirstAsync(w => w.Id == WorkerId(user), ct);
        worker.ListenUrl = hello.ListenUrl;
        (worker.AgentVersion, worker.AgentCommit, worker.AgentOs, worker.AgentArch) = (hello.Version, hello.Commit, hello.Os, hello.Arch);
        worker.BlobKey ??= keys.New(worker.Id); // stored protected: the database alone yields no key
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new AgentWelcome(keys.Reveal(worker.Id, worker.BlobKey)));
    }

    /// <summary>Version, commit, OS and architecture are short words (at most 64 of letters, digits and <c>.-_+</c>), or absent.</summary>
    private static string? BuildProblem(AgentHello hello) =>
        new[] { ("version", hello.Version), ("commit", hello.Commit), ("os", hello.Os), ("arch", hello.Arch) }
            .Where(f => f.Item2 is { } v && (v.Length is 0 or > 64 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+')))
            .Select(f => $"{f.Item1} must be 1 to 64 letters, digits or . - _ +")
            .FirstOrDefault();

    private static async Task DownloadAsync(string sha256, string? from, HttpContext context, ComfyDoctorDb db, BlobRelay relay,
        JobSignal signal, ServerOptions options, AuditTrail audit, CancellationToken ct)
    {
        var sha = sha256.ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower) || string.IsNullOrEmpty(from))
        {
            await Problem(context, StatusCodes.Status400BadRequest, "expected blobs/{sha256}?from=WORKER");
            return;
        }

        if (!await db.ModelChecksums.AnyAsync(m => m.Sha256 == sha, ct))
        {
            await Problem(context, StatusCodes.Status404NotFound, "only registry models are relayed");
            return;
        }

        var source = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == from, ct);
        if (source is null || source.Id == WorkerId(context.User))
        {
            await Problem(context, StatusCodes.Status404NotFound, $"no other worker named '{from}'");
            return;
        }

        if (!await RelayNeeds.AllowsAsync(db, WorkerId(context.User), sha, source.Name, ct))
        {
            const string why = "refused: no running repair of this worker needs this model from that worker";
            await audit.AppendAsync(context.User.Identity!.Name!, "relay.refused", sha, $"from={source.Name}", why, ct);
            await Problem(context, StatusCodes.Status403Forbidden, why);
            return;
        }

        var offset = context.Request.GetTypedHeaders().Range?.Ranges.FirstOrDefault()?.From ?? 0;
        var slot = relay.Open(source.Id);
        var jobId = Guid.NewGuid().ToString("N");
        try
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            db.Jobs.Add(new JobRow
            {
                Id = jobId, WorkerId = source.Id, Kind = AgentProtocol.UploadBlobJob, Status = JobStatus.Queued, CreatedAt = now, UpdatedAt = now,
                PayloadJson = JsonSerializer.Serialize(new BlobUploadPayload(slot.RelayId, sha, offset), ReportJson.Options),
            });
            await db.SaveChangesAsync(ct);
            signal.Notify(source.Id);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(options.RelayWait);
            BlobRelay.Upload upload;
            try
            {
                upload = await slot.Arrived.Task.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await Problem(context, StatusCodes.Status504GatewayTimeout, $"worker {from} did not start sending within {options.RelayWait.TotalSeconds:0} s");
                return;
            }
            catch (InvalidOperationException e)
            {
                await Problem(context, StatusCodes.Status404NotFound, $"worker {from}: {e.Message}");
                return;
            }

            try
            {
                var start = upload.TotalLength - upload.Length;
                context.Response.StatusCode = start > 0 ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
                context.Response.ContentLength = upload.Length;
                context.Response.ContentType = "application/octet-stream";
                if (start > 0)
                {
                    context.Response.Headers.ContentRange = new ContentRangeHeaderValue(start, upload.TotalLength - 1, upload.TotalLength).ToString();
                }

                await upload.Body.CopyToAsync(context.Response.Body, 1 << 20, ct);
                upload.Finished.TrySetResult();
            }
            catch (Exception e)
            {
                upload.Finished.TrySetException(e);
                throw;
            }
        }
        finally
        {
            relay.Close(slot);
            await db.Jobs.Where(j => j.Id == jobId && j.Status != JobStatus.Done).ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Done)
                .SetProperty(j => j.LeaseUntil, (long?)null).SetProperty(j => j.UpdatedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), CancellationToken.None);
        }
    }

    private static async Task<IResult> UploadAsync(string relayId, string? problem, HttpRequest request, ClaimsPrincipal user, BlobRelay relay, CancellationToken ct)
    {
        var slot = relay.Find(relayId, WorkerId(user));
        if (slot is null)
        {
            return TypedResults.NotFound("no download waits for this relay on this server");
        }

        if (problem is not null)
        {
            slot.Arrived.TrySetException(new InvalidOperationException(problem[..Math.Min(500, problem.Length)]));
            return TypedResults.NoContent();
        }

        if (request.ContentLength is not { } length
            || !long.TryParse(request.Headers["X-Blob-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var total) || total < length)
        {
            return TypedResults.BadRequest("an upload states Content-Length and X-Blob-Length");
        }

        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!slot.Arrived.TrySetResult(new BlobRelay.Upload(request.Body, length, total, finished)))
        {
            return TypedResults.Conflict("this relay was already served");
        }

        try
        {
            await finished.Task.WaitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return TypedResults.StatusCode(StatusCodes.Status502BadGateway); // the peer went away; it resumes from its next source
        }

        return TypedResults.NoContent();
    }

    private static Task Problem(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message);
    }

    private static string WorkerId(ClaimsPrincipal user) => user.FindFirstValue(TokenAuthentication.WorkerIdClaim)!;
}
