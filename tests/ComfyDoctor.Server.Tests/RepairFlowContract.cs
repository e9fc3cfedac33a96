using System.Security.Cryptography;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Sync Models across the fleet, end to end with real agents: gpu-01's broken models are replaced by verified copies from
/// gpu-02 — relayed through the server, or fetched from gpu-02's own blob server — after the registry's dead URL fails.
/// Dry runs change nothing; a second repair of a busy worker is refused; the audit trail holds every action.
/// </summary>
public abstract class RepairFlowContract
{
    private static readonly string[] Broken =
    [
        "loras/detail-tweaker.safetensors",
        "vae/sdxl_vae.safetensors",
        "text_encoders/t5xxl_fp8_e4m3fn.safetensors",
    ];

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public Task Models_are_synced_from_a_peer_through_the_relay() => SyncFromPeerAsync(direct: false);

    [Fact]
    public Task Models_are_synced_from_a_peer_s_blob_server() => SyncFromPeerAsync(direct: true);

    private async Task SyncFromPeerAsync(bool direct)
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdrepair-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            using var admin = server.Admin();
            (
                await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
            ).EnsureSuccessStatusCode();
            var one = server.Agent("gpu-01", fleet.Workers[0].ComfyUiRoot, Path.Combine(work, "a1"));
            var listen = direct ? TestServer.FreeUrl() : null;
            var two = new AgentClient(
                new HttpClient(),
                TestServer.Options(server.Url, "gpu-02", fleet.Workers[1].ComfyUiRoot, Path.Combine(work, "a2")) with
                {
                    ListenUrl = listen is null ? null : new Uri(listen + "/"),
                }
            );
            await using var blobServer = listen is null
                ? null
                : await BlobServer.StartAsync(listen, two.Blobs, () => two.BlobKey, CancellationToken.None);
            Assert.False(await one.PollOnceAsync(CancellationToken.None));
            Assert.False(await two.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await one.PollOnceAsync(CancellationToken.None));
            Assert.True(await two.PollOnceAsync(CancellationToken.None));
            var lora = Path.Combine(fleet.Workers[0].ComfyUiRoot, "models", "loras", "detail-tweaker.safetensors");
            var corruptBefore = HashOf(lora);

            // A dry run plans from the latest report and changes nothing.
            var plan = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" }, dryRun = true }),
                HttpStatusCode.OK
            );
            var actions = plan.GetProperty("plan").GetProperty("actions").EnumerateArray().ToList();
            Assert.Equal(Broken.Order(), actions.Select(a => a.GetProperty("subject").GetString()).Order());
            Assert.All(actions, a =>
                Assert.Equal(["url", "peer"], a.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("kind").GetString()))
            );
            Assert.Contains(plan.GetProperty("plan").GetProperty("unresolvable").EnumerateArray(), u =>
                u.GetProperty("subject").GetString() == "embeddings/free-prompts.pt"
                && u.GetProperty("hint").GetString()!.Contains("quarantine", StringComparison.Ordinal)
            );
            Assert.Equal(corruptBefore, HashOf(lora));
            Assert.Equal(0, await CountAsync(server, j => j.Kind == "repair"));

            var started = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } }),
                HttpStatusCode.Accepted
            );
            var repairId = started.GetProperty("repairId").GetString()!;
            var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
            var busy = await admin.PostAsJsonAsync(
                "admin/repair",
                new { workers = new[] { "gpu-01", "gpu-02" }, actions = new[] { "verify-and-repair" } }
            );
            Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode); // one repair per worker at a time; nothing else queued
            Assert.Contains("gpu-01", await busy.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var events = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(2) };
            events.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
            var streamed = ReadEventsAsync(events, $"admin/repairs/{repairId}/events");
            var running = new[] { one.RunAsync(stop.Token), two.RunAsync(stop.Token) };
            var lines = await streamed.WaitAsync(TimeSpan.FromMinutes(2));
            await stop.CancelAsync();

            Assert.Contains("event: progress", lines);
            Assert.Equal("event: done", lines.Last(l => l.StartsWith("event:", StringComparison.Ordinal)));
            Assert.Contains(lines, l =>
                l.StartsWith("data:", StringComparison.Ordinal)
                && l.Contains("\"actions\":[{\"kind\":\"sync-model\"", StringComparison.Ordinal)
            );

            var job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
            Assert.Equal("done", job.GetProperty("status").GetString());
            var result = job.GetProperty("result");
            Assert.Equal(Broken.Order(), result.GetProperty("fixed").EnumerateArray().Select(f => f.GetString()).Order());
            foreach (var action in result.GetProperty("outcome").GetProperty("actions").EnumerateArray())
            {
                Assert.Equal("done", action.GetProperty("outcome").GetString());
                Assert.Equal("worker gpu-02", action.GetProperty("source").GetString());
                Assert.Contains(action.GetProperty("attempts").EnumerateArray(), a =>
                    a.GetString()!.Contains("127.0.0.1", StringComparison.Ordinal)
                ); // the dead registry URL first
            }

            var registry = JsonDocument
                .Parse(await admin.GetStringAsync("admin/models"))
                .RootElement.EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("sha256").GetString());
            Assert.Equal(registry["loras/detail-tweaker.safetensors"], HashOf(lora));
            Assert.Equal(
                registry["text_encoders/t5xxl_fp8_e4m3fn.safetensors"],
                HashOf(Path.Combine(fleet.Workers[0].ComfyUiRoot, "models", "text_encoders", "t5xxl_fp8_e4m3fn.safetensors"))
            );
            Assert.Single(
                Directory.GetFiles(
                    Path.Combine(fleet.Workers[0].ComfyUiRoot, ".comfydoctor", "quarantine"),
                    "detail-tweaker.safetensors.*",
                    SearchOption.AllDirectories
                )
            ); // the corrupted file is kept, not deleted
            Assert.Empty(Directory.GetFiles(fleet.Workers[0].ComfyUiRoot, "*.partial", SearchOption.AllDirectories));

            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.DoesNotContain(report.GetProperty("findings").EnumerateArray(), f =>
                Broken.Contains(f.GetProperty("subject").GetString())
            );
            Assert.Equal(direct ? 0 : 3, await CountAsync(server, j => j.Kind == "upload-blob" && j.Status == JobStatus.Done));

            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
            var synced = audit.Where(a => a.GetProperty("action").GetString() == "repair.sync-model").ToList();
            Assert.Equal(3, synced.Count);
            Assert.All(synced, a => Assert.Equal("admin", a.GetProperty("actor").GetString()));
            Assert.Contains(synced, a =>
                a.GetProperty("parameters")
                    .GetString()!
                    .Contains($"{corruptBefore[..12]} -> {registry["loras/detail-tweaker.safetensors"]![..12]}", StringComparison.Ordinal)
            );
            Assert.Contains(audit, a =>
                a.GetProperty("action").GetString() == "repair.request"
                && a.GetProperty("outcome").GetString()!.StartsWith("refused", StringComparison.Ordinal)
            );
            Assert.True(
                JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement.GetProperty("intact").GetBoolean()
            );
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Missing_and_drifted_node_packs_are_installed_at_the_workflow_s_pin()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdnodes-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            using var admin = server.Admin();
            var workflow = DemoWorkflow.Json(fleet) ?? throw new InvalidOperationException("git is needed for the demo pack");
            (await admin.PostAsync("admin/workflows?name=demo", new StringContent(workflow))).EnsureSuccessStatusCode();
            var agents = fleet
                .Workers.Skip(1)
                .Select(w => new AgentClient(
                    new HttpClient(),
                    TestServer.Options(server.Url, w.Name, w.ComfyUiRoot, Path.Combine(work, "agent-" + w.Name)) with
                    {
                        Repair = DemoWorkflow.RepairOptions(fleet),
                    }
                ))
                .ToList();
            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            }

            // the server plans from the latest scans
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            var started = await Json(
                await admin.PostAsJsonAsync(
                    "admin/repair",
                    new { workers = new[] { "gpu-02", "gpu-03" }, actions = new[] { "install-nodes" } }
                ),
                HttpStatusCode.Accepted
            );
            var running = agents.Select(a => a.RunAsync(stop.Token)).ToList();
            var jobs = started
                .GetProperty("jobs")
                .EnumerateArray()
                .ToDictionary(j => j.GetProperty("worker").GetString()!, j => j.GetProperty("jobId").GetString()!);
            var done = new Dictionary<string, JsonElement>();
            foreach (var (worker, jobId) in jobs)
            {
                done[worker] = await WaitForEndAsync(admin, jobId);
            }

            await stop.CancelAsync();
            var pinned = JsonDocument
                .Parse(workflow)
                .RootElement.GetProperty("nodes")[1]
                .GetProperty("properties")
                .GetProperty("ver")
                .GetString()!;
            foreach (var (worker, job) in done)
            {
                Assert.True(job.GetProperty("status").GetString() == "done" && job.TryGetProperty("result", out _), job.ToString());
                var action = Assert.Single(job.GetProperty("result").GetProperty("outcome").GetProperty("actions").EnumerateArray());
                Assert.Equal(
                    ("install-node-pack", "done", pinned),
                    (
                        action.GetProperty("kind").GetString(),
                        action.GetProperty("outcome").GetString(),
                        action.GetProperty("after").GetString()
                    )
                );
                Assert.True(action.GetProperty("restartRequired").GetBoolean());
                var nodeTypes = action.GetProperty("nodeTypes").EnumerateArray().ToList(); // per node, as data (issue 15.6)
                Assert.NotEmpty(nodeTypes);
                Assert.All(nodeTypes, t => Assert.Equal("confirmed", t.GetProperty("state").GetString()));
                Assert.Equal(
                    ["https://github.com/comfydoctor-demo/ComfyUI-DemoPack"],
                    job.GetProperty("result").GetProperty("fixed").EnumerateArray().Select(f => f.GetString())
                );
                var head = (
                    await Agent.Processes.ProcessRunner.RunAsync(
                        new Agent.Processes.ProcessSpec(
                            "git",
                            ["rev-parse", "HEAD"],
                            Path.Combine(fleet.Workers.First(w => w.Name == worker).ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack"),
                            null,
                            TimeSpan.FromSeconds(30)
                        ),
                        CancellationToken.None
                    )
                ).StdOut.Trim();
                Assert.Equal(pinned, head);
            }

            Assert.False(
                done["gpu-03"].GetProperty("result").GetProperty("outcome").GetProperty("actions")[0].TryGetProperty("before", out _)
            ); // was missing
            Assert.NotEqual(
                pinned,
                done["gpu-02"].GetProperty("result").GetProperty("outcome").GetProperty("actions")[0].GetProperty("before").GetString()
            ); // was drifted
            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
            Assert.Equal(
                2,
                audit.Count(a =>
                    a.GetProperty("action").GetString() == "repair.install-node-pack"
                    && a.GetProperty("outcome").GetString()!.StartsWith("done", StringComparison.Ordinal)
                )
            );
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    internal static async Task<JsonElement> WaitForEndAsync(HttpClient admin, string jobId)
    {
        for (var i = 0; i < 1200; i++)
        {
            var job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement.Clone();
            if (job.GetProperty("status").GetString() is "done" or "failed")
            {
                return job;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {jobId} did not end within two minutes");
    }

    private static async Task<List<string>> ReadEventsAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<int> CountAsync(TestServer server, System.Linq.Expressions.Expression<Func<JobRow, bool>> where)
    {
        using var scope = server.App.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>().Jobs.CountAsync(where);
    }

    private static string HashOf(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

public sealed class SqliteRepairFlowTests : RepairFlowContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRepairFlowTests(Postgres postgres) : RepairFlowContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
