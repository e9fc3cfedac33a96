using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests.Relay;

/// <summary>
/// The demo fleet behind one or two real replicas for the relay's failure paths: gpu-01 (every registry model broken)
/// reaches <see cref="Down"/>, the peers gpu-02 (verified copies) and gpu-03 reach <see cref="Up"/> — on PostgreSQL two
/// hosts on one database, so each relay crosses replicas through <c>relay_chunks</c>; on SQLite one host, so it passes in
/// memory. The registry's URLs are dead: peers are the only sources.
/// </summary>
internal sealed class RelayRig : IAsyncDisposable
{
    public const int Window = 3;
    public const int ChunkBytes = 64 << 10;

    private readonly List<TestServer> _servers;
    private readonly HashSet<TestServer> _stopped = [];
    private readonly List<HttpClient> _admins;

    private RelayRig(List<TestServer> servers, string work, DemoFleet.Fleet fleet)
    {
        _servers = servers;
        Work = work;
        Fleet = fleet;
        _admins = [.. servers.Select(s => s.Admin())];
    }

    /// <summary>Where the downloading agent (gpu-01) goes.</summary>
    public TestServer Down => _servers[0];

    /// <summary>Where the uploading peers go (the same host on SQLite).</summary>
    public TestServer Up => _servers[^1];

    public string Work { get; }

    public DemoFleet.Fleet Fleet { get; }

    /// <summary>An admin client of a replica still up.</summary>
    public HttpClient Admin => _admins[_stopped.Contains(Down) ? ^1 : 0];

    public static ServerOptions Small(ServerOptions o) =>
        o with
        {
            RelayChunkBytes = ChunkBytes,
            RelayWindow = Window,
            RelayWait = TimeSpan.FromSeconds(30),
            RelayStall = TimeSpan.FromSeconds(5), // a healthy relay on a loaded test machine never pauses this long
        };

    /// <param name="database">null: one SQLite host.</param>
    /// <param name="downDatabase">The download replica's way to the same database (default <paramref name="database"/>).</param>
    /// <param name="upDatabase">The upload replica's way to it (default <paramref name="database"/>).</param>
    public static async Task<RelayRig> StartAsync(string? database, string? downDatabase = null, string? upDatabase = null)
    {
        var servers = new List<TestServer> { await TestServer.StartAsync(downDatabase ?? database, configure: Small) };
        if (database is not null)
        {
            servers.Add(await TestServer.StartAsync(upDatabase ?? database, configure: Small));
        }

        var work = Path.Combine(Path.GetTempPath(), "cdrelayf-" + Guid.NewGuid().ToString("N")[..8]);
        var rig = new RelayRig(servers, work, DemoFleet.Create(work));
        (
            await rig.Admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(rig.Fleet.RegistryFile)))
        ).EnsureSuccessStatusCode();
        return rig;
    }

    /// <summary>The agent of demo worker <paramref name="index"/> (0 = gpu-01), pinned to <paramref name="server"/>.</summary>
    public AgentClient Agent(int index, TestServer server, HttpMessageHandler? handler = null) =>
        TestServer.Agent(
            server.Url,
            Fleet.Workers[index].Name,
            Fleet.Workers[index].ComfyUiRoot,
            Path.Combine(Work, "agent-" + index),
            handler
        );

    /// <summary>Makes gpu-03 a second peer: gpu-02's verified copies of the registry models.</summary>
    public async Task CopyGoodModelsToThirdAsync()
    {
        foreach (var (identity, _) in await RegistryAsync())
        {
            var from = Path.Combine(Fleet.Workers[1].ComfyUiRoot, "models", identity);
            var to = Path.Combine(Fleet.Workers[2].ComfyUiRoot, "models", identity);
            if (!File.Exists(from))
            {
                continue; // not gpu-02's either
            }

            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to, overwrite: true);
        }
    }

    /// <summary>Each agent enrols, then scans once (their scans make gpu-02 and gpu-03 peers of gpu-01).</summary>
    public async Task ScanAsync(params AgentClient[] agents)
    {
        foreach (var agent in agents)
        {
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        }

        (await Admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        foreach (var agent in agents)
        {
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        }
    }

    /// <summary>Queues gpu-01's model repair; its job id.</summary>
    public async Task<string> RepairAsync()
    {
        var started = await Admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
    }

    /// <summary>The job once it is done or failed (fails the test after three minutes).</summary>
    public async Task<JsonElement> FinishedJobAsync(string jobId)
    {
        var job = default(JsonElement);
        await WaitUntilAsync(
            async () =>
            {
                job = JsonDocument.Parse(await Admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
                return job.GetProperty("status").GetString() is "done" or "failed";
            },
            "job " + jobId + " finished"
        );
        return job;
    }

    /// <summary>Stands in for gpu-01's agent: claims its queued repair with gpu-01's credential (as the agent would) and
    /// returns a client for its relayed downloads, and the largest model its plan syncs from gpu-02.</summary>
    public async Task<(HttpClient Client, RegistryEntryWire Model)> ClaimRepairAsync()
    {
        var credential = (await File.ReadAllTextAsync(Path.Combine(Work, "agent-0", "agent-credential"))).Trim();
        // a small receive buffer, so a downloader that stops reading soon holds the server's writes (and so the window)
        var client = new HttpClient(
            new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
                    {
                        ReceiveBufferSize = 16 << 10,
                    };
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                },
            }
        )
        {
            BaseAddress = Down.Url,
        };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        var job = await client.GetFromJsonAsync<AgentJob>("agent/v1/jobs/next", ReportJson.Options);
        var model = job!
            .PlannedRepair!.Plan.Actions.Where(a => a.Model is not null && a.Sources.Any(s => s.Name == "gpu-02"))
            .Select(a => a.Model!)
            .MaxBy(m => m.Size)!;
        return (client, new RegistryEntryWire(model.Identity, model.Sha256.ToLowerInvariant(), model.Size!.Value));
    }

    /// <summary>A relayed download of <paramref name="model"/> from gpu-02, its headers read.</summary>
    public static async Task<HttpResponseMessage> RelayedAsync(HttpClient client, RegistryEntryWire model)
    {
        var response = await client.GetAsync($"agent/v1/blobs/{model.Sha256}?from=gpu-02", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    public async Task<IReadOnlyList<(string Identity, string Sha256)>> RegistryAsync() =>
        JsonDocument
            .Parse(await Admin.GetStringAsync("admin/models"))
            .RootElement.EnumerateArray()
            .Select(m => (m.GetProperty("identity").GetString()!, m.GetProperty("sha256").GetString()!.ToLowerInvariant()))
            .ToList();

    public string PathOf(int worker, string identity) => Path.Combine(Fleet.Workers[worker].ComfyUiRoot, "models", identity);

    /// <summary>The file's SHA-256, or null when there is none.</summary>
    public static string? Sha256Of(string path) =>
        File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : null;

    /// <summary>Relay rows in the database (none on SQLite, where relays pass in memory).</summary>
    public async Task<(int Transfers, int Chunks)> RowsAsync()
    {
        using var scope = Up.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        return (await db.RelayTransfers.CountAsync(), await db.RelayChunks.CountAsync());
    }

    /// <summary>Upload jobs not yet done.</summary>
    public async Task<int> OpenUploadJobsAsync()
    {
        using var scope = Up.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        return await db.Jobs.CountAsync(j =>
            j.Kind == AgentProtocol.UploadBlobJob && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
        );
    }

    /// <summary>Runs a scan of gpu-02 and returns its status: the peer's next job after a relay failure.</summary>
    public async Task<string> PeerScanStatusAsync()
    {
        var queued = await Admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-02" } });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var id = (await queued.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("jobId").GetString()!;
        return (await FinishedJobAsync(id)).GetProperty("status").GetString()!;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, looking every 20 ms; fails the test after three minutes (a
    /// bound on a hang, not a timing).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("not within three minutes: " + what);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Disposes a host now (it dies mid-test); the rig does not dispose it again.</summary>
    public async Task StopAsync(TestServer server)
    {
        if (_stopped.Add(server))
        {
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admins.ForEach(a => a.Dispose());
        foreach (var server in _servers.Distinct())
        {
            await StopAsync(server);
        }

        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // an agent may still hold a file for a moment
        }
    }
}

/// <summary>The registry entry a relayed download asks for.</summary>
internal sealed record RegistryEntryWire(string Identity, string Sha256, long Size);
