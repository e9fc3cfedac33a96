using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Worker-to-worker blobs for agents (where each agent's blob server listens is said in its hello, <see cref="Workers.WorkerApi"/>):
/// <c>GET blobs/{sha256}?from=WORKER</c> (a registry model from another worker's verified files, relayed as a stream, with
/// Range for resumes; only for a running repair of the asking worker that needs it, see <see cref="RelayNeeds"/>) and <c>POST
/// relay/{id}</c> (the reference agent's upload that feeds it).
/// </summary>
public static partial class RelayApi
{
    public static void MapRelay(this IEndpointRouteBuilder app)
    {
        var agent = app.MapAgentGroup("Repairs");
        agent.MapGet("/blobs/{sha256}", DownloadAsync);
        agent.MapPost("/relay/{relayId}", UploadAsync).WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
    }

    private static async Task DownloadAsync(
        string sha256,
        string? from,
        HttpContext context,
        ComfyDoctorDb db,
        BlobRelay relay,
        SharedRelay shared,
        JobSignal signal,
        ServerOptions options,
        AuditTrail audit,
        ILogger<BlobRelay> logger,
        CancellationToken ct
    )
    {
        var sha = sha256.ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower) || string.IsNullOrEmpty(from))
        {
            await Refuse(context, ProblemTypes.InvalidBlobRequest.Because("expected blobs/{sha256}?from=WORKER"));
            return;
        }

        if (!await db.ModelChecksums.AnyAsync(m => m.Sha256 == sha, ct))
        {
            await Refuse(context, ProblemTypes.NotRelayed.Because("only registry models are relayed"));
            return;
        }

        var source = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == from, ct);
        if (source is null || source.Id == WorkerId(context.User))
        {
            await Refuse(context, ProblemTypes.UnknownWorker.Because($"no other worker named '{from}'"));
            return;
        }

        if (!await RelayNeeds.AllowsAsync(db, WorkerId(context.User), sha, source.Name, ct))
        {
            const string why = "refused: no running repair of this worker needs this model from that worker";
            await audit.AppendAsync(context.User.Identity!.Name!, "relay.refused", sha, $"from={source.Name}", why, ct);
            await Refuse(context, ProblemTypes.RelayNotNeeded.Because(why));
            return;
        }

        var offset = context.Request.GetTypedHeaders().Range?.Ranges.FirstOrDefault()?.From ?? 0;
        var slot = relay.Open(source.Id);
        var jobId = Guid.NewGuid().ToString("N");
        try
        {
            if (shared.Enabled)
            {
                await shared.OpenAsync(slot.RelayId, source.Id, sha, ct); // the upload may reach another replica
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            db.Jobs.Add(
                new JobRow
                {
                    Id = jobId,
                    WorkerId = source.Id,
                    Kind = AgentProtocol.UploadBlobJob,
                    Status = JobStatus.Queued,
                    CreatedAt = now,
                    UpdatedAt = now,
                    PayloadJson = JsonSerializer.Serialize(new BlobUploadPayload(slot.RelayId, sha, offset), ReportJson.Options),
                }
            );
            await db.SaveChangesAsync(ct);
            signal.Notify(source.Id);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(options.RelayWait);
            SharedRelay.Arrival upload;
            try
            {
                upload = shared.Enabled
                    ? await shared.ArrivalAsync(slot.RelayId, slot.Arrived.Task, wait.Token)
                    : SharedRelay.Arrival.Of(await slot.Arrived.Task.WaitAsync(wait.Token));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await Refuse(
                    context,
                    ProblemTypes.PeerTimeout.Because($"worker {from} did not start sending within {options.RelayWait.TotalSeconds:0} s")
                );
                return;
            }
            catch (InvalidOperationException e)
            {
                await Refuse(context, ProblemTypes.NotRelayed.Because($"worker {from}: {e.Message}"));
                return;
            }

            if (await UploadMismatchAsync(db, sha, from, offset, upload, ct) is { } mismatch)
            {
                upload.Local?.Finished.TrySetException(new InvalidDataException(mismatch));
                await Refuse(context, ProblemTypes.PeerUploadRefused.Because(mismatch));
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
                    context.Response.Headers.ContentRange = new ContentRangeHeaderValue(
                        start,
                        upload.TotalLength - 1,
                        upload.TotalLength
                    ).ToString();
                }

                if (upload.Local is { } local)
                {
                    await local.Body.CopyToAsync(context.Response.Body, 1 << 20, ct);
                    local.Finished.TrySetResult();
                }
                else
                {
                    await shared.CopyAsync(slot.RelayId, upload.Length, context.Response.Body, ct);
                }
            }
            catch (Exception e)
                when (e is IOException or BadHttpRequestException or ObjectDisposedException or OperationCanceledException
                    && !ct.IsCancellationRequested
                )
            {
                // the upload broke off (its agent or its replica went away; in memory, its request's body can be disposed under
                // the copy) or stalled: said to the agent when nothing was sent yet, else its response is cut short; either way
                // it moves on to its next source
                upload.Local?.Finished.TrySetException(e);
                var dropped = e is OperationCanceledException or ObjectDisposedException;
                var why = $"the upload from worker {from} broke off: {(dropped ? "its connection dropped" : e.Message)}";
                UploadBroke(logger, sha, why);
                if (context.Response.HasStarted)
                {
                    context.Abort();
                }
                else
                {
                    context.Response.Clear();
                    await Refuse(context, ProblemTypes.PeerUploadRefused.Because(why));
                }
            }
            catch (Exception e)
            {
                upload.Local?.Finished.TrySetException(e);
                throw;
            }
        }
        finally
        {
            relay.Close(slot);
            if (shared.Enabled)
            {
                await shared.CloseAsync(slot.RelayId);
            }

            await RelayUploadJobs.CloseAsync(db.Jobs.Where(j => j.Id == jobId && j.Status != JobStatus.Done));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult, StatusCodeHttpResult>> UploadAsync(
        string relayId,
        string? problem,
        HttpRequest request,
        ClaimsPrincipal user,
        BlobRelay relay,
        SharedRelay shared,
        ComfyDoctorDb db,
        CancellationToken ct
    )
    {
        var slot = relay.Find(relayId, WorkerId(user));
        if (slot is null && shared.Enabled)
        {
            return await shared.UploadAsync(relayId, WorkerId(user), problem, request, ct); // the download is on another replica
        }

        if (slot is null)
        {
            await RelayUploadJobs.CloseAsync(db, WorkerId(user), relayId); // its download is gone (this server restarted)
            return ProblemTypes.RelayNotFound.Because("no download waits for this relay on this server").ToProblem();
        }

        if (problem is not null)
        {
            slot.Arrived.TrySetException(new InvalidOperationException(problem[..Math.Min(500, problem.Length)]));
            return TypedResults.NoContent();
        }

        if (UploadLengths(request) is not { } lengths)
        {
            return MissingLengths().ToProblem();
        }

        var (length, total) = lengths;

        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!slot.Arrived.TrySetResult(new BlobRelay.Upload(request.Body, length, total, finished)))
        {
            return ProblemTypes.RelayServed.Because("this relay was already served").ToProblem();
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

    /// <summary>An upload's Content-Length and X-Blob-Length (the blob's whole length), or null when either is missing or wrong.</summary>
    internal static (long Length, long Total)? UploadLengths(HttpRequest request) =>
        request.ContentLength is { } length
        && long.TryParse(request.Headers["X-Blob-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
        && total >= length
            ? (length, total)
            : null;

    /// <summary>Why the upload that arrived is not what the download asked for — a blob of another length than the registry's,
    /// or bytes from another offset — or null when it is.</summary>
    private static async Task<string?> UploadMismatchAsync(
        ComfyDoctorDb db,
        string sha,
        string from,
        long offset,
        SharedRelay.Arrival upload,
        CancellationToken ct
    )
    {
        var size = await db.ModelChecksums.Where(m => m.Sha256 == sha && m.Size != null).Select(m => m.Size).FirstOrDefaultAsync(ct);
        if (size is { } registry && upload.TotalLength != registry)
        {
            return $"worker {from} offers {upload.TotalLength:N0} bytes, the registry says {registry:N0}";
        }

        var start = upload.TotalLength - upload.Length;
        return start == offset ? null : $"worker {from} offers bytes from {start:N0}, the download asked from {offset:N0}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "relayed blob {Sha256}: {Why}")]
    private static partial void UploadBroke(ILogger logger, string sha256, string why);

    internal static Refusal MissingLengths() => ProblemTypes.InvalidUpload.Because("an upload states Content-Length and X-Blob-Length");

    private static Task Refuse(HttpContext context, Refusal refusal) => refusal.ToProblem().ExecuteAsync(context);

    private static string WorkerId(ClaimsPrincipal user) => user.FindFirstValue(TokenAuthentication.WorkerIdClaim)!;
}
