using System.Security.Cryptography;
using ComfyDoctor.Server.Store;
using ComfyDoctor.Server.Tests.Relay;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 20 §3, what only two replicas on one PostgreSQL have: the window bound under a slow downloader, a replica lost
/// mid-transfer (its way to the database cut, then the host disposed) while the other keeps the upload, and the sweep of the
/// rows a dead replica leaves.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RelayReplicaLossTests(Postgres postgres)
{
    [Fact]
    public async Task A_slow_downloader_never_lets_the_table_hold_more_than_the_window()
    {
        await using var rig = await RelayRig.StartAsync(await postgres.NewDatabaseAsync());
        await using var download = await RelayedDownload.StartAsync(rig);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(download.First);
        var buffer = new byte[16 << 10];
        var (read, mostChunks, mostBytes, samples) = ((long)download.First.Length, 0, 0L, 0);
        while (true)
        {
            var (chunks, bytes) = await StoredAsync(rig);
            (mostChunks, mostBytes, samples) = (Math.Max(mostChunks, chunks), Math.Max(mostBytes, bytes), samples + 1);
            var n = await download.Body.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            sha.AppendData(buffer, 0, n);
            read += n;
            await Task.Delay(5); // a downloader slower than its peer
        }

        Assert.Equal(download.Model.Size, read);
        Assert.Equal(download.Model.Sha256, Convert.ToHexStringLower(sha.GetHashAndReset()));
        Assert.Equal(RelayRig.Window, mostChunks); // reached (the upload waited on it) and never passed
        Assert.InRange(mostBytes, 1, (long)RelayRig.Window * RelayRig.ChunkBytes);
        Console.WriteLine(
            $"RELIABILITY relay-window: bytes={read} samples={samples} most-chunks={mostChunks} most-bytes={mostBytes} "
                + $"bound={RelayRig.Window}x{RelayRig.ChunkBytes}"
        );
        await RelayRig.WaitUntilAsync(async () => await rig.RowsAsync() == (0, 0), "no relay row left");
    }

    [Fact]
    public async Task A_download_replica_lost_mid_transfer_frees_the_upload_and_its_rows()
    {
        var database = await postgres.NewDatabaseAsync();
        await using var forwarder = new TcpForwarder(new NpgsqlConnectionStringBuilder(database).Port);
        var viaForwarder = new NpgsqlConnectionStringBuilder(database) { Port = forwarder.Port }.ConnectionString;
        await using var rig = await RelayRig.StartAsync(database, downDatabase: viaForwarder);
        await using var download = await RelayedDownload.StartAsync(rig); // the window is full: the upload waits

        // gpu-01's replica loses the database, then dies: nobody there takes a chunk or removes the relay
        await forwarder.Cut();
        download.Abandon();
        await rig.StopAsync(rig.Down);

        await RelayRig.WaitUntilAsync(() => Task.FromResult(download.Uploads.Ended == 1), "gpu-02's upload stopped");
        await RelayRig.WaitUntilAsync(async () => await rig.RowsAsync() == (0, 0), "the live replica removed the relay");
        await RelayRig.WaitUntilAsync(async () => await rig.OpenUploadJobsAsync() == 0, "no upload job left open");
        Assert.Equal("done", await rig.PeerScanStatusAsync());
        Console.WriteLine("RELIABILITY relay-replica-lost: upload-stopped=1 rows=0 open-upload-jobs=0 peer-next-scan=done");
    }

    [Fact]
    public async Task An_upload_replica_lost_mid_transfer_cuts_the_download_in_bounded_time_and_leaves_no_row()
    {
        var database = await postgres.NewDatabaseAsync();
        await using var forwarder = new TcpForwarder(new NpgsqlConnectionStringBuilder(database).Port);
        var viaForwarder = new NpgsqlConnectionStringBuilder(database) { Port = forwarder.Port }.ConnectionString;
        await using var rig = await RelayRig.StartAsync(database, upDatabase: viaForwarder);
        await using var download = await RelayedDownload.StartAsync(rig); // the window is full

        // gpu-02's replica loses the database, then dies: no chunk comes any more, nobody marks the relay failed
        await forwarder.Cut();
        await rig.StopAsync(rig.Up);
        var read = (long)download.First.Length;
        var cut = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var buffer = new byte[64 << 10];
            int n;
            while ((n = await download.Body.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        });

        Assert.True(cut is IOException or HttpRequestException, cut.ToString());
        Assert.InRange(read, RelayRig.ChunkBytes, download.Model.Size - 1); // cut short, never passed off as whole
        await RelayRig.WaitUntilAsync(async () => await RowsOnDownAsync(rig) == (0, 0), "the download's replica removed the relay");
        Console.WriteLine($"RELIABILITY relay-upload-replica-lost: read={read} of {download.Model.Size} cut={cut.GetType().Name}");
    }

    [Fact]
    public async Task Rows_left_by_dead_replicas_are_swept_when_a_replica_starts_and_live_ones_are_kept()
    {
        var database = await postgres.NewDatabaseAsync();
        await using (var first = await TestServer.StartAsync(database, configure: RelayRig.Small))
        {
            using var scope = first.App.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            db.RelayTransfers.AddRange(
                Transfer("dead-sending", RelayStates.Sending, now - (long)TimeSpan.FromHours(1).TotalMilliseconds),
                Transfer("dead-waiting", RelayStates.Waiting, now - (long)TimeSpan.FromHours(1).TotalMilliseconds),
                Transfer("live", RelayStates.Sending, now)
            );
            db.RelayChunks.AddRange(
                Chunk("dead-sending", 0),
                Chunk("dead-sending", 1),
                Chunk("orphan", 4), // written after its relay was removed
                Chunk("live", 0)
            );
            await db.SaveChangesAsync();
        }

        await using var second = await TestServer.StartAsync(database, configure: RelayRig.Small);
        using var check = second.App.Services.CreateScope();
        var after = check.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        Assert.Equal(["live"], await after.RelayTransfers.Select(t => t.Id).ToListAsync());
        Assert.Equal(["live"], await after.RelayChunks.Select(c => c.RelayId).ToListAsync());
        Console.WriteLine("RELIABILITY relay-sweep: dead-relays=2 dead-chunks=3 swept=5 live-kept=2");
    }

    private static RelayTransferRow Transfer(string id, string state, long aliveAt) =>
        new()
        {
            Id = id,
            FromWorkerId = "w",
            Sha256 = new string('a', 64),
            State = state,
            Length = state == RelayStates.Sending ? 3 * RelayRig.ChunkBytes : null,
            TotalLength = state == RelayStates.Sending ? 3 * RelayRig.ChunkBytes : null,
            AliveAt = aliveAt,
        };

    private static RelayChunkRow Chunk(string relayId, int seq) =>
        new()
        {
            RelayId = relayId,
            Seq = seq,
            Data = new byte[RelayRig.ChunkBytes],
        };

    private static async Task<(int, int)> RowsOnDownAsync(RelayRig rig)
    {
        using var scope = rig.Down.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        return (await db.RelayTransfers.CountAsync(), await db.RelayChunks.CountAsync());
    }

    /// <summary>Chunks stored now and their bytes (every relay's: the test runs one).</summary>
    private static async Task<(int Chunks, long Bytes)> StoredAsync(RelayRig rig)
    {
        using var scope = rig.Up.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        var sizes = await db.RelayChunks.Select(c => c.Data.Length).ToListAsync();
        return (sizes.Count, sizes.Sum(s => (long)s));
    }
}
