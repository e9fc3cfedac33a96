using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Store;
using ComfyDoctor.Server.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// The peer relay between replicas on one PostgreSQL database, for when the downloading agent and the uploading peer reach
/// different replicas (behind a balancer): the download announces its relay in <c>relay_transfers</c>; the upload, on
/// whichever replica it lands, writes its body as chunks (<see cref="ServerOptions.RelayChunkBytes"/>, 1 MiB) into
/// <c>relay_chunks</c>, never more than <see cref="ServerOptions.RelayWindow"/> chunks (8) ahead of the download, which sends
/// each chunk to its agent as it comes and deletes it. Each side waits for the other through <see cref="ReplicaSignals"/> (a
/// <c>NOTIFY</c> per chunk written or taken), looking again every <see cref="Recheck"/> only should a wake-up be lost. The
/// agent verifies the bytes by SHA-256 as for any relay; a download that ends early removes the relay and stops the upload.
/// When both ends reach the same replica, <see cref="BlobRelay"/> streams in memory instead.
/// </summary>
public sealed class SharedRelay(ComfyDoctorDb db, ReplicaSignals signals, ServerOptions options)
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Stale = TimeSpan.FromDays(1);

    /// <summary>Whether other replicas may serve the other end (PostgreSQL).</summary>
    public bool Enabled => signals.Shared;

    private static string Key(string relayId) => "relay:" + relayId;

    /// <summary>Download side: announces the relay, so an upload reaching another replica finds it. Relays left by a replica that
    /// died mid-way (older than a day) are removed first.</summary>
    public async Task OpenAsync(string relayId, string fromWorkerId, string sha, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var stale = now - (long)Stale.TotalMilliseconds;
        await db.RelayChunks.Where(c => db.RelayTransfers.Any(t => t.Id == c.RelayId && t.CreatedAt < stale)).ExecuteDeleteAsync(ct);
        await db.RelayTransfers.Where(t => t.CreatedAt < stale).ExecuteDeleteAsync(ct);
        db.RelayTransfers.Add(
            new RelayTransferRow
            {
                Id = relayId,
                FromWorkerId = fromWorkerId,
                Sha256 = sha,
                State = RelayStates.Waiting,
                CreatedAt = now,
            }
        );
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>Download side: waits until the upload started here (<paramref name="local"/>) or on another replica.</summary>
    /// <exception cref="InvalidOperationException">The uploading agent said it cannot send (its problem).</exception>
    public async Task<Arrival> ArrivalAsync(string relayId, Task<BlobRelay.Upload> local, CancellationToken ct)
    {
        while (true)
        {
            var changed = signals.Next(Key(relayId));
            if (local.IsCompleted)
            {
                return Arrival.Of(await local);
            }

            var row = await db
                .RelayTransfers.AsNoTracking()
                .Where(t => t.Id == relayId)
                .Select(t => new
                {
                    t.State,
                    t.Length,
                    t.TotalLength,
                    t.Problem,
                })
                .FirstOrDefaultAsync(ct);
            if (row is { State: RelayStates.Failed })
            {
                throw new InvalidOperationException(row.Problem ?? "the upload failed");
            }

            if (row is { Length: { } length, TotalLength: { } total })
            {
                return new Arrival(null, length, total);
            }

            await Task.WhenAny(local, changed, Task.Delay(Recheck, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Download side: sends the chunks to <paramref name="to"/> as they arrive, taking each out of the window.</summary>
    /// <exception cref="IOException">The upload broke off (the response is then cut short: the agent resumes elsewhere).</exception>
    public async Task CopyAsync(string relayId, long length, Stream to, CancellationToken ct)
    {
        var (sent, seq) = (0L, 0);
        while (sent < length)
        {
            var changed = signals.Next(Key(relayId));
            var data = await db
                .RelayChunks.AsNoTracking()
                .Where(c => c.RelayId == relayId && c.Seq == seq)
                .Select(c => c.Data)
                .FirstOrDefaultAsync(ct);
            if (data is null)
            {
                var row = await db
                    .RelayTransfers.AsNoTracking()
                    .Where(t => t.Id == relayId)
                    .Select(t => new { t.State, t.Problem })
                    .FirstOrDefaultAsync(ct);
                if (row is null or { State: RelayStates.Failed } or { State: RelayStates.Sent })
                {
                    throw new IOException(
                        $"the relayed upload stopped after {sent:N0} of {length:N0} bytes: {row?.Problem ?? "no more chunks"}"
                    );
                }

                await Task.WhenAny(changed, Task.Delay(Recheck, ct));
                ct.ThrowIfCancellationRequested();
                continue;
            }

            await to.WriteAsync(data, ct);
            sent += data.Length;
            var taken = seq++;
            await db.RelayChunks.Where(c => c.RelayId == relayId && c.Seq == taken).ExecuteDeleteAsync(ct);
            await db.RelayTransfers.Where(t => t.Id == relayId).ExecuteUpdateAsync(s => s.SetProperty(t => t.Consumed, seq), ct);
            signals.Publish(Key(relayId));
        }
    }

    /// <summary>Download side, at its end whatever happened: the relay and its chunks are removed; an upload still sending
    /// stops at its next chunk.</summary>
    public async Task CloseAsync(string relayId)
    {
        await db.RelayChunks.Where(c => c.RelayId == relayId).ExecuteDeleteAsync(CancellationToken.None);
        await db.RelayTransfers.Where(t => t.Id == relayId).ExecuteDeleteAsync(CancellationToken.None);
        signals.Publish(Key(relayId));
    }

    /// <summary>Upload side, on a replica the download is not on: the body into the window of chunks, or the agent's problem.</summary>
    public async Task<Results<NoContent, ProblemHttpResult, StatusCodeHttpResult>> UploadAsync(
        string relayId,
        string workerId,
        string? problem,
        HttpRequest request,
        CancellationToken ct
    )
    {
        var lengths = RelayApi.UploadLengths(request);
        if (problem is null && lengths is null)
        {
            return RelayApi.MissingLengths().ToProblem();
        }

        var (length, total) = lengths ?? (0, 0);
        var started = await db
            .RelayTransfers.Where(t => t.Id == relayId && t.FromWorkerId == workerId && t.State == RelayStates.Waiting)
            .ExecuteUpdateAsync(
                s =>
                    s.SetProperty(t => t.State, problem is null ? RelayStates.Sending : RelayStates.Failed)
                        .SetProperty(t => t.Length, problem is null ? length : null)
                        .SetProperty(t => t.TotalLength, problem is null ? total : null)
                        .SetProperty(t => t.Problem, problem == null ? null : problem.Substring(0, Math.Min(500, problem.Length))),
                ct
            );
        if (started == 0)
        {
            return await db.RelayTransfers.AnyAsync(t => t.Id == relayId && t.FromWorkerId == workerId, ct)
                ? ProblemTypes.RelayServed.Because("this relay was already served").ToProblem()
                : ProblemTypes.RelayNotFound.Because("no download waits for this relay on any server").ToProblem();
        }

        signals.Publish(Key(relayId));
        if (problem is not null)
        {
            return TypedResults.NoContent();
        }

        try
        {
            return await WriteChunksAsync(relayId, request.Body, length, ct)
                ? TypedResults.NoContent()
                : TypedResults.StatusCode(StatusCodes.Status502BadGateway); // the download went away; the peer resumes elsewhere
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException)
        {
            await db
                .RelayTransfers.Where(t => t.Id == relayId)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(t => t.State, RelayStates.Failed).SetProperty(t => t.Problem, "the upload broke off"),
                    CancellationToken.None
                );
            signals.Publish(Key(relayId));
            throw;
        }
    }

    /// <summary>False when the download went away meanwhile.</summary>
    private async Task<bool> WriteChunksAsync(string relayId, Stream body, long length, CancellationToken ct)
    {
        var chunk = Math.Max(1, options.RelayChunkBytes);
        var buffer = new byte[chunk];
        var (received, seq) = (0L, 0);
        while (received < length)
        {
            var size = (int)Math.Min(chunk, length - received);
            await body.ReadExactlyAsync(buffer.AsMemory(0, size), ct); // EndOfStreamException (an IOException) if cut short
            if (!await RoomAsync(relayId, seq, ct))
            {
                return false;
            }

            db.RelayChunks.Add(
                new RelayChunkRow
                {
                    RelayId = relayId,
                    Seq = seq++,
                    Data = buffer[..size],
                }
            );
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            received += size;
            signals.Publish(Key(relayId));
        }

        await db
            .RelayTransfers.Where(t => t.Id == relayId && t.State == RelayStates.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, RelayStates.Sent), ct);
        signals.Publish(Key(relayId));
        return true;
    }

    /// <summary>Waits until chunk <paramref name="seq"/> fits in the window; false when the relay is gone (the download ended).</summary>
    private async Task<bool> RoomAsync(string relayId, int seq, CancellationToken ct)
    {
        while (true)
        {
            var changed = signals.Next(Key(relayId));
            var consumed = await db
                .RelayTransfers.AsNoTracking()
                .Where(t => t.Id == relayId)
                .Select(t => (int?)t.Consumed)
                .FirstOrDefaultAsync(ct);
            if (consumed is null)
            {
                return false;
            }

            if (seq - consumed < Math.Max(1, options.RelayWindow))
            {
                return true;
            }

            await Task.WhenAny(changed, Task.Delay(Recheck, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>How the upload reached the download: in this replica's memory (<see cref="Local"/>), or through the database.</summary>
    public sealed record Arrival(BlobRelay.Upload? Local, long Length, long TotalLength)
    {
        public static Arrival Of(BlobRelay.Upload local) => new(local, local.Length, local.TotalLength);
    }
}
