using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Diagnosis;
using Microsoft.AspNetCore.Builder;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>
/// A real server on 127.0.0.1 (Kestrel, a free port, SQLite in its own folder) with the demo fleet's real agents
/// enrolled and scanned: gpu-01 red (every model defect), gpu-02 mostly repaired, gpu-03 without the node pack.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public const string AdminToken = "dash-admin-token-0123456789";
    public const string ViewerToken = "dash-viewer-token-0123456789";
    public const string EnrollToken = "dash-enroll-token-0123456789";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _agents = [];
    private readonly HttpClient _agentHttp = new();

    private DashboardServer(WebApplication app, Uri url, string folder, DemoFleet.Fleet fleet)
    {
        App = app;
        Url = url;
        Folder = folder;
        Fleet = fleet;
    }

    public WebApplication App { get; }

    public Uri Url { get; }

    public string Folder { get; }

    public DemoFleet.Fleet Fleet { get; }

    /// <summary>The agent of the worker named at start as manual: it takes a job only when the test calls <c>PollOnceAsync</c>.</summary>
    public AgentClient? Manual { get; private set; }

    /// <param name="signInPermits">Sign-in attempts per minute per address.</param>
    /// <param name="prepare">Changes to the demo fleet's folders before the agents scan them.</param>
    /// <param name="manual">A worker whose agent the test drives one job at a time (the others run on their own).</param>
    /// <param name="python">ComfyUI's interpreter per worker (a real venv); null or a null answer: the GPU worker double.</param>
    /// <param name="pipArgs">The agents' pip options (a local wheelhouse), for repairs that install Python packages.</param>
    public static async Task<DashboardServer> StartAsync(
        int signInPermits = 100,
        bool withAgents = true,
        Action<DemoFleet.Fleet>? prepare = null,
        string? manual = null,
        Func<string, string?>? python = null,
        IReadOnlyList<string>? pipArgs = null
    )
    {
        var folder = Path.Combine(Path.GetTempPath(), "cddash-" + Guid.NewGuid().ToString("N")[..10]);
        var fleet = DemoFleet.Create(Path.Combine(folder, "fleet"));
        prepare?.Invoke(fleet);
        var app = Server.ServerHost.Build(
            new Server.ServerOptions("http://127.0.0.1:0", null, Path.Combine(folder, "server"))
            {
                AdminToken = AdminToken,
                ViewerToken = ViewerToken,
                EnrollToken = EnrollToken,
                LongPoll = TimeSpan.FromSeconds(2),
                SignInPermitsPerMinute = signInPermits,
                // Thresholds an admin would set for small test volumes: the disk light does not depend on the machine's free space.
                Health = new HealthPolicy(1L << 30, 512L << 20, 0.01),
            }
        );
        var server = new DashboardServer(app, await Server.ServerHost.StartAsync(app, CancellationToken.None), folder, fleet);
        using var admin = server.Admin();
        using (var registry = new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
        {
            (await admin.PostAsync("admin/models", registry)).EnsureSuccessStatusCode();
        }

        if (withAgents)
        {
            foreach (var worker in fleet.Workers)
            {
                var agent = server.Agent(
                    worker.Name,
                    worker.ComfyUiRoot,
                    worker.Name == "gpu-03" ? ["render", "spare"] : ["render"],
                    python?.Invoke(worker.Name),
                    pipArgs
                );
                if (worker.Name == manual)
                {
                    server.Manual = agent;
                    await agent.PollOnceAsync(CancellationToken.None); // enrolls; no job yet
                }
                else
                {
                    server._agents.Add(agent.RunAsync(server._stop.Token));
                }
            }

            await WaitAsync(async () =>
                (await admin.GetFromJsonAsync<JsonElement>("admin/workers")).GetArrayLength() == fleet.Workers.Count
            );
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            if (server.Manual is { } driven)
            {
                await driven.PollOnceAsync(CancellationToken.None);
            }

            await server.WaitForScansAsync();
        }

        return server;
    }

    private AgentClient Agent(string name, string comfyRoot, IReadOnlyList<string> tags, string? python, IReadOnlyList<string>? pipArgs)
    {
        var data = Path.Combine(Folder, "agents", name);
        var repair = RepairOptions.Default;
        return new AgentClient(
            _agentHttp,
            new AgentOptions(
                Url,
                EnrollToken,
                name,
                tags,
                data,
                new ScanOptions(comfyRoot, [], false, 2, Path.Combine(data, "cache.json"), python ?? GpuWorkerDoubles.Python(Folder), name)
                {
                    NvidiaSmi = GpuWorkerDoubles.NvidiaSmi(Folder),
                }
            )
            {
                FirstBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                ProgressInterval = TimeSpan.FromMilliseconds(100),
                Repair = pipArgs is null ? repair : repair with { Install = repair.Install with { PipArgs = pipArgs } },
            }
        );
    }

    public async Task WaitForScansAsync()
    {
        using var admin = Admin();
        await WaitAsync(async () =>
            (await admin.GetFromJsonAsync<JsonElement>("admin/workers"))
                .EnumerateArray()
                .All(w => w.GetProperty("lastScanStatus").GetString() is "done" or "failed")
        );
    }

    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return http;
    }

    /// <summary>Polls a condition of the real system until it holds (the bound only stops a hung test).</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 1200; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the condition did not hold within two minutes");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_agents.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));
        await App.StopAsync();
        await App.DisposeAsync();
        _agentHttp.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold its file for a moment
        }
    }
}
