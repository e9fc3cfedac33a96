using System.Diagnostics;
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
/// Neither end waits for ever on the other: one that sees no move (a chunk written, a chunk taken) for
/// <see cref="ServerOptions.RelayStall"/> gives the relay up — the other end's replica died, lost the database or its agent
/// stopped — and the upload side then removes the rows itself; rows nobody is left to remove are swept (<see cref="RelaySweep"/>).
/// When both ends reach the same replica, <see cref="BlobRelay"/> streams in memory instead.
/// </summary>
public sealed class SharedRelay(ComfyDoctorDb db, ReplicaSignals signals, ServerOptions options)
{
    /// <summary>Whether other replicas may serve the other end (PostgreSQL).</summary>
    public bool Enabled => signals.Shared;

    /// <summary>How often a waiting end looks again should a wake-up be lost: every 5 s, or twice per stall bound if shorter.</summary>
    private TimeSpan Recheck => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, options.RelayStall.Ticks / 2));

    private static string Key(string relayId) => "relay:" + relayId;

    /// <summary>Download side: announces the relay, so an upload reaching another replica finds it. What dead replicas left
    /// is swept first (<see cref="RelaySweep"/>).</summary>
    public async Task OpenAsync(string relayId, string fromWorkerId, string sha, CancellationToken ct)
    {
        await RelaySweep.RunAsync(db, options, ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        db.RelayTransfers.Add(
            new RelayTransferRow
            {
                Id = relayId,
                FromWorkerId = fromWorkerId,
                Sha256 = sha,
                State = RelayStates.Waiting,
                AliveAt = now,
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
    /// <exception cref="IOException">The upload broke off, stalled for <see cref="ServerOptions.RelayStall"/> or sent a chunk past
    /// its length (the response is then cut short: the agent resumes elsewhere).</exception>
    public async Task CopyAsync(string relayId, long length, Stream to, CancellationToken ct)
    {
        var (sent, seq) = (0L, 0);
        var moved = Stopwatch.GetTimestamp();
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
                    throw new IOException($"it stopped after {sent:N0} of {length:N0} bytes: {row?.Problem ?? "no more chunks"}");
                }

                if (Stopwatch.GetElapsedTime(moved) > options.RelayStall)
                {
                    throw new IOException(
                        $"no bytes came for {options.RelayStall.TotalSeconds:0} s after {sent:N0} of {length:N0} "
                            + "(the peer stalled, or the server it reached is gone)"
                    );
                }

                await Task.WhenAny(changed, Task.Delay(Recheck, ct));
                ct.ThrowIfCancellationRequested();
                continue;
            }

            if (sent + data.Length > length)
            {
                throw new IOException($"chunk {seq} ends at byte {sent + data.Length:N0}, past the {length:N0} announced");
            }

            await to.WriteAsync(data, ct);
            sent += data.Length;
            var taken = seq++;
            await db.RelayChunks.Where(c => c.RelayId == relayId && c.Seq == taken).ExecuteDeleteAsync(ct);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await db
                .RelayTransfers.Where(t => t.Id == relayId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.Consumed, seq).SetProperty(t => t.AliveAt, now), ct);
            signals.Publish(Key(relayId));
            moved = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Download side, at its end whatever happened: the relay and its chunks are removed; an upload still sending
    /// stops at its next chunk.</summary>
    public Task CloseAsync(string relayId) => RemoveAsync(relayId);

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
        int started;
        try
        {
            started = await db
                .RelayTransfers.Where(t => t.Id == relayId && t.FromWorkerId == workerId && t.State == RelayStates.Waiting)
                .ExecuteUpdateAsync(
                    s =>
                        s.SetProperty(t => t.State, problem is null ? RelayStates.Sending : RelayStates.Failed)
                            .SetProperty(t => t.Length, problem is null ? length : null)
                            .SetProperty(t => t.TotalLength, problem is null ? total : null)
                            .SetProperty(t => t.Problem, problem == null ? null : problem.Substring(0, Math.Min(500, problem.Length))),
                    ct
                );
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the agent's connection dropped as it began: the download hears it now, not after RelayWait
            await FailAsync(relayId, workerId, RelayStates.Waiting, "its connection dropped before it sent a byte");
            throw;
        }

        if (started == 0)
        {
            await RelayUploadJobs.CloseAsync(db, workerId, relayId);
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
            if (await WriteChunksAsync(relayId, request.Body, length, ct) is not { } ended)
            {
                return TypedResults.NoContent();
            }

            await RelayUploadJobs.CloseAsync(db, workerId, relayId);
            return ProblemTypes.RelayNotFound.Because(ended).ToProblem(); // the download went away; the peer resumes elsewhere
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            var why = e is OperationCanceledException ? "its connection dropped" : $"its upload ended early ({e.Message})";
            await FailAsync(relayId, workerId, RelayStates.Sending, why);
            await RemoveOrphanedChunksAsync(relayId);
            throw;
        }
    }

    /// <summary>Upload side: the relay failed with <paramref name="problem"/> (if still in <paramref name="state"/>, so a relay
    /// another upload serves is left alone); the download hears it at once.</summary>
    private async Task FailAsync(string relayId, string workerId, string state, string problem)
    {
        await db
            .RelayTransfers.Where(t => t.Id == relayId && t.FromWorkerId == workerId && t.State == state)
            .ExecuteUpdateAsync(
                s => s.SetProperty(t => t.State, RelayStates.Failed).SetProperty(t => t.Problem, problem),
                CancellationToken.None
            );
        signals.Publish(Key(relayId));
    }

    /// <summary>Null once every chunk is written; else why the relay ended first (its rows are then gone).</summary>
    private async Task<string?> WriteChunksAsync(string relayId, Stream body, long length, CancellationToken ct)
    {
        var chunk = Math.Max(1, options.RelayChunkBytes);
        var buffer = new byte[chunk];
        var (received, seq) = (0L, 0);
        while (received < length)
        {
            var size = (int)Math.Min(chunk, length - received);
            await body.ReadExactlyAsync(buffer.AsMemory(0, size), ct); // EndOfStreamException (an IOException) if cut short
            if (await RoomAsync(relayId, seq, ct) is { } ended)
            {
                await RemoveAsync(relayId); // a chunk written as the download removed the relay goes too
                return ended;
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

        var sent = await db
            .RelayTransfers.Where(t => t.Id == relayId && t.State == RelayStates.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, RelayStates.Sent), ct);
        signals.Publish(Key(relayId));
        if (sent == 0)
        {
            await RemoveAsync(relayId);
            return "the download ended before the last chunk";
        }

        return null;
    }

    /// <summary>Waits until chunk <paramref name="seq"/> fits in the window: null then; else why the relay is over — the
    /// download removed it, or took no chunk for <see cref="ServerOptions.RelayStall"/> (its replica died or lost the
    /// database).</summary>
    private async Task<string?> RoomAsync(string relayId, int seq, CancellationToken ct)
    {
        var since = Stopwatch.GetTimestamp();
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
                return "the download ended";
            }

            if (seq - consumed < Math.Max(1, options.RelayWindow))
            {
                return null;
            }

            if (Stopwatch.GetElapsedTime(since) > options.RelayStall)
            {
                return $"the download took no chunk for {options.RelayStall.TotalSeconds:0} s (its server is gone or stalled)";
            }

            await Task.WhenAny(changed, Task.Delay(Recheck, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The relay and its chunks, gone; both ends are woken. The row goes first: a chunk the upload writes after it
    /// is found by the upload's next look at the row (<see cref="RoomAsync"/>, the end of the copy, or a failed upload's
    /// <see cref="RemoveOrphanedChunksAsync"/>) and removed by it, so no chunk is left behind with no row.</summary>
    private async Task RemoveAsync(string relayId)
    {
        await db.RelayTransfers.Where(t => t.Id == relayId).ExecuteDeleteAsync(CancellationToken.None);
        await db.RelayChunks.Where(c => c.RelayId == relayId).ExecuteDeleteAsync(CancellationToken.None);
        signals.Publish(Key(relayId));
    }

    /// <summary>Upload side, its upload failed: a chunk it wrote as the download removed the relay goes too (else it stayed
    /// until the next relay's sweep).</summary>
    private async Task RemoveOrphanedChunksAsync(string relayId)
    {
        if (!await db.RelayTransfers.AnyAsync(t => t.Id == relayId, CancellationToken.None))
        {
            await db.RelayChunks.Where(c => c.RelayId == relayId).ExecuteDeleteAsync(CancellationToken.None);
        }
    }

    /// <summary>How the upload reached the download: in this replica's memory (<see cref="Local"/>), or through the database.</summary>
    public sealed record Arrival(BlobRelay.Upload? Local, long Length, long TotalLength)
    {
        public static Arrival Of(BlobRelay.Upload local) => new(local, local.Length, local.TotalLength);
    }
}
