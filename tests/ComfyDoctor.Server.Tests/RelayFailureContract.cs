using System.Text.Json;
using ComfyDoctor.Server.Tests.Relay;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 20 §3, the relay's failure paths with real agents and real hosts: on PostgreSQL the downloading agent (gpu-01) and
/// the uploading peers (gpu-02, gpu-03) reach different replicas of one database, so every relay passes through
/// <c>relay_chunks</c>; on SQLite one host relays in memory. An uploading peer whose connection drops half-way, a downloader
/// that goes away, a tampered body and a wrong total: each ends in bounded time with the reason in the result, no file is
/// replaced by anything unverified, and no relay row or upload job is left behind.
/// </summary>
public abstract class RelayFailureContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task An_uploading_peer_that_drops_half_way_fails_that_source_and_the_next_peer_resumes_the_file()
    {
        await using var rig = await RelayRig.StartAsync(await DatabaseAsync());
        await rig.CopyGoodModelsToThirdAsync();
        var ranges = new RangeLog();
        var one = rig.Agent(0, rig.Down, ranges);
        var cutting = new UploadFaults(_ => UploadFault.Cut);
        var two = rig.Agent(1, rig.Up, cutting);
        var three = rig.Agent(2, rig.Up);
        await rig.ScanAsync(one, two, three);
        using var stop = new CancellationTokenSource();
        var running = new[] { one.RunAsync(stop.Token), two.RunAsync(stop.Token), three.RunAsync(stop.Token) };
        try
        {
            var job = await rig.FinishedJobAsync(await rig.RepairAsync());

            Assert.Equal("done", job.GetProperty("status").GetString());
            var actions = job.GetProperty("result").GetProperty("outcome").GetProperty("actions").EnumerateArray().ToList();
            Assert.NotEmpty(actions);
            foreach (var action in actions)
            {
                Assert.Equal("done", action.GetProperty("outcome").GetString());
                Assert.Equal("worker gpu-03", action.GetProperty("source").GetString());
                var failed = Assert.Single(PeerAttempts(action)); // after the registry's dead URL
                Assert.StartsWith("worker gpu-02: ", failed, StringComparison.Ordinal);
                // cut after bytes went on: the response is cut short (or, nothing sent yet, refused) with the reason logged; cut as
                // it began: the peer says so itself, or its replica saw the connection drop before a byte (relay gone: 404)
                Assert.True(
                    failed.Contains("connection lost after", StringComparison.Ordinal)
                        || failed.Contains("worker gpu-02: its connection dropped before it sent a byte", StringComparison.Ordinal)
                        || failed.Contains("worker gpu-02: its upload ended early", StringComparison.Ordinal)
                        || failed.Contains("the upload from worker gpu-02 broke off", StringComparison.Ordinal)
                        || failed.Contains("worker gpu-02: the upload broke off", StringComparison.Ordinal),
                    failed
                );
            }

            Assert.True(cutting.Started >= actions.Count, "gpu-02 did not start uploading");
            Assert.Equal(cutting.Started, cutting.Ended);
            var synced = actions.Select(a => a.GetProperty("subject").GetString()!).ToHashSet();
            foreach (var (identity, sha) in (await rig.RegistryAsync()).Where(m => synced.Contains(m.Identity)))
            {
                Assert.Equal(sha, RelayRig.Sha256Of(rig.PathOf(0, identity)));
            }

            Assert.Empty(Directory.GetFiles(rig.Fleet.Workers[0].ComfyUiRoot, "*.partial", SearchOption.AllDirectories));
            // gpu-03 was asked for each model after gpu-02; from where depends on how much had reached gpu-01 before the drop (a
            // partial that arrived is resumed, verified whole at the end)
            Assert.Equal(actions.Count, ranges.Asked.Count(a => a.From == "gpu-03"));
            await RelayRig.WaitUntilAsync(async () => await rig.RowsAsync() == (0, 0), "no relay row left");
            await RelayRig.WaitUntilAsync(async () => await rig.OpenUploadJobsAsync() == 0, "no upload job left open");
            Console.WriteLine(
                $"RELIABILITY relay-upload-dropped: models={actions.Count} from-gpu-03={actions.Count} "
                    + $"resumed={ranges.Asked.Count(a => a is { From: "gpu-03", Offset: > 0 })} partials=0 rows=0"
            );
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    [Fact]
    public async Task A_downloader_that_goes_away_stops_the_upload_and_the_peers_next_job_runs()
    {
        await using var rig = await RelayRig.StartAsync(await DatabaseAsync());
        await using var download = await RelayedDownload.StartAsync(rig); // on PostgreSQL the window is full: the upload waits

        download.Abandon(); // gpu-01 goes away mid-transfer

        await RelayRig.WaitUntilAsync(() => Task.FromResult(download.Uploads.Ended == 1), "gpu-02's upload stopped");
        await RelayRig.WaitUntilAsync(async () => await rig.RowsAsync() == (0, 0), "no relay row left");
        await RelayRig.WaitUntilAsync(async () => await rig.OpenUploadJobsAsync() == 0, "no upload job left open");
        Assert.Equal("done", await rig.PeerScanStatusAsync());
        Console.WriteLine("RELIABILITY relay-downloader-gone: upload-stopped=1 rows=0 open-upload-jobs=0 peer-next-scan=done");
    }

    [Fact]
    public async Task A_tampered_body_or_a_wrong_total_is_refused_with_its_reason_and_nothing_is_replaced()
    {
        await using var rig = await RelayRig.StartAsync(await DatabaseAsync());
        var one = rig.Agent(0, rig.Down);
        // the models over 1 MiB come tampered, every other one with a total one byte too long
        var tampering = new UploadFaults(length => length > 1 << 20 ? UploadFault.Flip : UploadFault.WrongTotal);
        var two = rig.Agent(1, rig.Up, tampering);
        await rig.ScanAsync(one, two);
        var before = (await rig.RegistryAsync()).ToDictionary(m => m.Identity, m => RelayRig.Sha256Of(rig.PathOf(0, m.Identity)));
        using var stop = new CancellationTokenSource();
        var running = new[] { one.RunAsync(stop.Token), two.RunAsync(stop.Token) };
        try
        {
            var job = await rig.FinishedJobAsync(await rig.RepairAsync());

            var actions = job.GetProperty("result").GetProperty("outcome").GetProperty("actions").EnumerateArray().ToList();
            Assert.NotEmpty(actions);
            var (tampered, wrongTotal) = (0, 0);
            foreach (var action in actions)
            {
                Assert.Equal("failed", action.GetProperty("outcome").GetString());
                var attempt = Assert.Single(PeerAttempts(action));
                Assert.StartsWith("worker gpu-02: ", attempt, StringComparison.Ordinal);
                if (attempt.Contains("SHA-256 of the download is", StringComparison.Ordinal))
                {
                    Assert.Contains("nothing was replaced", attempt, StringComparison.Ordinal);
                    tampered++;
                }
                else
                {
                    Assert.Contains("the registry says", attempt, StringComparison.Ordinal);
                    Assert.Contains("worker gpu-02 offers", attempt, StringComparison.Ordinal);
                    wrongTotal++;
                }
            }

            Assert.True(tampered > 0 && wrongTotal > 0, $"tampered={tampered} wrong-total={wrongTotal}: both cases must be seen");
            foreach (var (identity, sha) in before)
            {
                Assert.Equal(sha, RelayRig.Sha256Of(rig.PathOf(0, identity))); // nothing replaced
            }

            Assert.Empty(Directory.GetFiles(rig.Fleet.Workers[0].ComfyUiRoot, "*.partial", SearchOption.AllDirectories));
            await RelayRig.WaitUntilAsync(async () => await rig.RowsAsync() == (0, 0), "no relay row left");
            await RelayRig.WaitUntilAsync(async () => await rig.OpenUploadJobsAsync() == 0, "no upload job left open");
            Console.WriteLine(
                $"RELIABILITY relay-tampered: models={actions.Count} sha-refused={tampered} total-refused={wrongTotal} replaced=0"
            );
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    private static IEnumerable<string> PeerAttempts(JsonElement action) =>
        action
            .GetProperty("attempts")
            .EnumerateArray()
            .Select(a => a.GetString()!)
            .Where(a => a.StartsWith("worker ", StringComparison.Ordinal));
}

public sealed class SqliteRelayFailureTests : RelayFailureContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRelayFailureTests(Postgres postgres) : RelayFailureContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
