using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Text;
using ComfyDoctor.Server;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>comfydoctor up</c>: server and local agent(s) in one process on loopback, SQLite. With <c>--demo</c> — or when no
/// <c>--comfyui</c> is given — a demo fleet of three workers with different defects is enrolled and scanned.
/// </summary>
public static class UpCommand
{
    private static readonly Option<DirectoryInfo?> ComfyUi = new("--comfyui")
    {
        Description = "A local ComfyUI to serve as worker 'local'",
    };
    private static readonly Option<bool> Demo = new("--demo")
    {
        Description = "Create a demo fleet of three workers with different defects and scan it (the default without --comfyui)",
    };
    private static readonly Option<bool> Once = new("--once") { Description = "Exit after the first scan instead of serving until Ctrl+C" };
    private static readonly Option<string> Urls = new("--urls")
    {
        Description = "Where to listen",
        DefaultValueFactory = _ => "http://127.0.0.1:8470",
    };
    private static readonly Option<string> Data = new("--data")
    {
        Description = "Data folder",
        DefaultValueFactory = _ => ServerCommand.DefaultDataDir("up"),
    };

    public static Command Create()
    {
        var command = new Command("up", "Server and local agent(s) in one process on loopback (SQLite)")
        {
            ComfyUi,
            Demo,
            Once,
            Urls,
            Data,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () => RunAsync(parse, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var data = parse.GetValue(Data)!;
        var output = parse.InvocationConfiguration.Output;
        var workers = new List<DemoFleet.Worker>();
        DemoFleet.Fleet? fleet = null;
        if (parse.GetValue(Demo) || parse.GetValue(ComfyUi) is null)
        {
            fleet = DemoFleet.Create(Path.Combine(data, "demo-fleet"));
            workers.AddRange(fleet.Workers);
        }

        if (parse.GetValue(ComfyUi) is { } local)
        {
            workers.Add(
                new DemoFleet.Worker(
                    "local",
                    local.Exists ? local.FullName : throw new UsageException($"ComfyUI folder not found: {local.FullName}")
                )
            );
        }

        await using var app = ServerHost.Build(
            new ServerOptions(parse.GetValue(Urls)!, null, Path.Combine(data, "server"))
            {
                // The demo's known-good copies: tried after the registry's (dead) URLs, before the peers.
                ModelMirrors = fleet is null
                    ? []
                    : [ModelMirror.Parse("demo-mirror=" + Path.Combine(Path.GetDirectoryName(fleet.Workers[0].ComfyUiRoot)!, "mirror"))],
            }
        );
        var url = await ServerHost.StartAsync(app, ct);
        var secrets = ServerHost.SecretsOf(app);
        ServerCommand.Announce(output, url, secrets);
        using var admin = new HttpClient { BaseAddress = url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secrets.AdminToken);
        if (fleet is not null)
        {
            using var body = new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile, ct));
            (await admin.PostAsync("admin/models", body, ct)).EnsureSuccessStatusCode();
            if (DemoWorkflow.Json(fleet) is { } workflow)
            {
                using var workflowBody = new StringContent(workflow);
                (await admin.PostAsync("admin/workflows?name=demo-txt2img", workflowBody, ct)).EnsureSuccessStatusCode();
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stopLeaving = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        // loopback; transfers are bounded by their stall timeout
        using var agentHttp = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var agents = workers
            .Select(w =>
                new AgentClient(
                    agentHttp,
                    new AgentOptions(
                        url,
                        secrets.EnrollToken,
                        w.Name,
                        ["local"],
                        Path.Combine(data, "agents", w.Name),
                        new ScanOptions(w.ComfyUiRoot, [], false, 2, Path.Combine(data, "agents", w.Name, "hashes.json"), null, w.Name)
                    )
                    {
                        Repair = fleet is null ? Agent.Repairs.RepairOptions.Default : DemoWorkflow.RepairOptions(fleet),
                    }
                ).RunAsync(w.Name == DemoFleet.LeavingWorker ? stopLeaving.Token : stop.Token)
            )
            .ToList();

        await WaitForEnrollmentAsync(admin, workers.Count, ct);
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { }, ct)).EnsureSuccessStatusCode();
        var summary = await WaitForScansAsync(admin, ct);
        if (workers.Any(w => w.Name == DemoFleet.LeavingWorker))
        {
            // a worker that went down: the dashboard shows it offline once its agent has been silent a while
            await stopLeaving.CancelAsync();
            await output.WriteLineAsync(
                $"Demo: the agent of {DemoFleet.LeavingWorker} has stopped, so the dashboard shows it offline two minutes from now."
            );
        }

        FleetTables.Workers(Terminal.For(parse), summary);
        await PrintDiskFindingsAsync(output, admin, summary, ct);

        if (!parse.GetValue(Once))
        {
            await output.WriteLineAsync(
                $"Dashboard: {url} (sign in with the admin token, or the read-only viewer token, from the files above)"
            );
            await output.WriteLineAsync(
                $"Serving on {url} — API: GET {url}admin/integrity-report/<worker> with the admin token. Ctrl+C to stop."
            );
            await output.WriteLineAsync(
                $"Try: comfydoctor repair gpu-01 --dry-run --server {url} --token <admin token>  (then without --dry-run)"
            );
            await ServerHost.WaitForShutdownAsync(app, ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(agents.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));
        await app.StopAsync(CancellationToken.None);
        if (fleet is not null)
        {
            DemoScratchStore.Remove(Path.Combine(data, "demo-fleet")); // the demo's store on /dev/shm does not outlive the run
        }

        return summary.EnumerateArray().Any(w => FleetTables.AnyRed(w.GetProperty("health"))) ? CommandLine.ExitRed : CommandLine.ExitOk;
    }

    private static async Task WaitForEnrollmentAsync(HttpClient admin, int count, CancellationToken ct)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await admin.GetFromJsonAsync<JsonElement>("admin/workers", ct)).GetArrayLength() >= count)
            {
                return;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException("the local agents did not enroll within a minute");
    }

    /// <summary>Low disk is the one light whose reason the table cannot show: each such worker's volumes, one line each.</summary>
    private static async Task PrintDiskFindingsAsync(TextWriter output, HttpClient admin, JsonElement workers, CancellationToken ct)
    {
        foreach (
            var worker in workers
                .EnumerateArray()
                .Where(w =>
                    w.TryGetProperty("health", out var h)
                    && h.ValueKind == JsonValueKind.Object
                    && h.GetProperty("disk").GetString() is "yellow" or "red"
                )
        )
        {
            var name = worker.GetProperty("name").GetString()!;
            var report = await admin.GetFromJsonAsync<JsonElement>($"admin/integrity-report/{Uri.EscapeDataString(name)}", ct);
            foreach (
                var finding in report.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("category").GetString() == "disk")
            )
            {
                await output.WriteLineAsync(
                    Printable.Escape(
                        $"{name}: {finding.GetProperty("code").GetString()} on {finding.GetProperty("subject").GetString()}: "
                            + $"{finding.GetProperty("message").GetString()}"
                    )
                );
            }
        }
    }

    private static async Task<JsonElement> WaitForScansAsync(HttpClient admin, CancellationToken ct)
    {
        for (var i = 0; i < 1200; i++)
        {
            var workers = await admin.GetFromJsonAsync<JsonElement>("admin/workers", ct);
            if (workers.EnumerateArray().All(w => w.GetProperty("lastScanStatus").GetString() is "done" or "failed"))
            {
                return workers;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException("the scans did not finish within two minutes");
    }
}
