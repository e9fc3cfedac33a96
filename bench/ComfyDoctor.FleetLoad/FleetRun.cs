using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// One fleet run against a fresh server: import the registry, enroll every agent, let them all wait in their long polls
/// (measuring what the waiting costs the server), then <c>POST /admin/integrity-scan</c> and time it to the last report the
/// server stores, with the server's CPU time and memory, and the database's CPU time when it is PostgreSQL.
/// </summary>
public sealed class FleetRun(FleetOptions options)
{
    private static readonly TimeSpan ScanLimit = TimeSpan.FromMinutes(10);

    public async Task<FleetFigures> RunAsync(CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        };
        using var http = new HttpClient(handler) { Timeout = ScanLimit };
        var server = new ReplicaMeters(options.ReplicaPids);
        var db = options.DbPid is { } dbPid ? new ProcessMeter(dbPid, withChildren: true) : null;

        await AdminAsync(http, HttpMethod.Post, "admin/models", new StringContent(FleetShapes.RegistryJson()), ct);
        var rssBefore = server.Memory().Rss;
        Log($"{options.Store}: {options.Agents} agents: building inventories");
        var agents = Enumerable
            .Range(0, options.Agents)
            .Select(i =>
            {
                var name = $"gpu-{i:0000}";
                var inventory = FleetShapes.Inventory(name, i);
                var result = JsonSerializer.SerializeToUtf8Bytes(new JobResult(inventory, null), ReportJson.Options);
                return new SimulatedAgent(http, options.Replicas[i % options.Replicas.Count], name, result, Unchanged(inventory));
            })
            .ToList();
        var oneInventory = JsonSerializer.SerializeToUtf8Bytes(new JobResult(FleetShapes.Inventory("x", 0), null), ReportJson.Options);
        Log($"inventory of one worker: {oneInventory.Length / 1024} KiB");

        var enroll = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            agents,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (agent, token) => await agent.EnrollAsync(options.EnrollToken, token)
        );
        enroll.Stop();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(stop.Token), ct)).ToList();
        while (agents.Any(a => a.Polls == 0))
        {
            await Task.Delay(100, ct);
        }

        await Task.Delay(options.Settle, ct); // every poll reaches the server and waits; start-up work (tiered JIT) settles
        Log("all agents wait in their long polls; measuring the idle cost");
        var (idleServer, idleDb) = (server.CpuTime(), db?.CpuTime());
        await Task.Delay(options.Idle, ct);
        var idleServerPercent = (server.CpuTime() - idleServer) / options.Idle * 100;
        var idleDbPercent = db is null ? (double?)null : (db.CpuTime() - idleDb!.Value) / options.Idle * 100;

        var scan = await ScanAsync(http, agents, server, db, "scan", ct);
        var rssBeforeRescan = server.Memory().Rss;
        var rescan = await ScanAsync(http, agents, server, db, "routine re-scan", ct);
        var figures = new FleetFigures(
            options.Store,
            options.Agents,
            enroll.Elapsed.TotalSeconds,
            idleServerPercent,
            idleDbPercent,
            scan,
            rescan,
            rssBefore,
            server.Memory().Peak
        );
        Log($"peak RSS before the routine re-scan: {rssBeforeRescan:0} MiB; results sent as a change: {agents.Sum(a => a.Changes)}");
        await stop.CancelAsync();
        await Task.WhenAll(running);
        Log($"polls shed (503): {agents.Sum(a => a.Sheds)}; 5xx answered and retried: {agents.Sum(a => a.ServerErrors)}");
        foreach (var failure in agents.Select(a => a.Failure).OfType<string>().Take(5))
        {
            Log("failed: " + failure);
        }

        return figures;
    }

    /// <summary><c>POST /admin/integrity-scan</c>, timed to the last report the server stores. Reports stored: those the
    /// server took in this scan, if it holds as many workers' latest scans as done.</summary>
    private async Task<ScanFigures> ScanAsync(
        HttpClient http,
        List<SimulatedAgent> agents,
        ReplicaMeters server,
        ProcessMeter? db,
        string what,
        CancellationToken ct
    )
    {
        Log($"POST /admin/integrity-scan ({what})");
        var (scanServer, scanDb, load) = (server.CpuTime(), db?.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
        var started = Stopwatch.GetTimestamp();
        await AdminAsync(http, HttpMethod.Post, "admin/integrity-scan", JsonContent.Create(new { }), ct);
        var waited = Stopwatch.StartNew();
        while (agents.Any(a => a.StoredAt < started && a.Failure is null) && waited.Elapsed < ScanLimit)
        {
            await Task.Delay(20, ct);
        }

        var last = agents.Max(a => a.StoredAt);
        double Quantile(IEnumerable<long> at, double q) =>
            at.Select(t => Stopwatch.GetElapsedTime(started, t).TotalSeconds).Order().ElementAt((int)(q * (options.Agents - 1)));
        Log(
            $"{what}: jobs handed out: p50 {Quantile(agents.Select(a => a.ClaimedAt), 0.5):0.00} s, last "
                + $"{Quantile(agents.Select(a => a.ClaimedAt), 1):0.00} s; "
                + $"reports stored: p50 {Quantile(agents.Select(a => a.StoredAt), 0.5):0.00} s, p90 "
                + $"{Quantile(agents.Select(a => a.StoredAt), 0.9):0.00} s"
        );
        return new ScanFigures(
            Math.Min(agents.Count(a => a.StoredAt >= started), await StoredAsync(http, ct)),
            Stopwatch.GetElapsedTime(started, last).TotalSeconds,
            (server.CpuTime() - scanServer).TotalSeconds,
            db is null ? null : (db.CpuTime() - scanDb!.Value).TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - load).TotalSeconds
        );
    }

    /// <summary>What an agent sends when its inventory did not change since the result the server stored (the base job is
    /// filled in when it is sent).</summary>
    private static JobResult Unchanged(WorkerInventory inventory)
    {
        var prints = ModelListDelta.PrintsOf(inventory.Models);
        return new JobResult(inventory with { Models = [] }, null)
        {
            ModelsDelta = ModelListDelta.Diff("", prints, inventory.Models, prints),
        };
    }

    /// <summary>Workers whose latest scan the server holds as done, read back through the admin API.</summary>
    private async Task<int> StoredAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await AdminAsync(http, HttpMethod.Get, "admin/workers", null, ct);
        var workers = await response.Content.ReadFromJsonAsync<JsonArray>(ct);
        return workers!.Count(w => w?["lastScanStatus"]?.GetValue<string>() == "done");
    }

    private async Task<HttpResponseMessage> AdminAsync(
        HttpClient http,
        HttpMethod method,
        string path,
        HttpContent? content,
        CancellationToken ct
    )
    {
        using var request = new HttpRequestMessage(method, new Uri(options.Server, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminToken);
        var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        return response;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}
