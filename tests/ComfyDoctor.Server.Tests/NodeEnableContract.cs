using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Agent.Remote;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 15.4 across the fleet: gpu-02 holds the demo pack the registered workflow needs, but ComfyUI-Manager disabled it
/// (<c>custom_nodes/.disabled/ComfyUI-DemoPack@1_2_0</c>). "Install Missing Nodes" enables that checkout in place — the
/// same commit, no clone, no second copy — with a real agent, and the audit trail records the enable.
/// </summary>
public abstract class NodeEnableContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_disabled_pack_is_enabled_in_place_instead_of_reinstalled()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdenable-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            var nodes = Path.Combine(fleet.Workers[1].ComfyUiRoot, "custom_nodes");
            var disabled = Path.Combine(nodes, ".disabled", "ComfyUI-DemoPack@1_2_0");
            Directory.CreateDirectory(Path.GetDirectoryName(disabled)!);
            Directory.Move(Path.Combine(nodes, "ComfyUI-DemoPack"), disabled);
            var commit = await HeadAsync(disabled);
            using var admin = server.Admin();
            var workflow = DemoWorkflow.Json(fleet) ?? throw new InvalidOperationException("git is needed for the demo pack");
            (await admin.PostAsync("admin/workflows?name=demo", new StringContent(workflow))).EnsureSuccessStatusCode();
            var agent = new AgentClient(
                new HttpClient(),
                TestServer.Options(server.Url, "gpu-02", fleet.Workers[1].ComfyUiRoot, Path.Combine(work, "agent")) with
                {
                    Repair = DemoWorkflow.RepairOptions(fleet),
                }
            );
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-02" } })).EnsureSuccessStatusCode();
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            var scanned = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-02")).RootElement;
            var red = Assert.Single(scanned.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("code").GetString() == "node.disabled"
                && f.GetProperty("subject").GetString() == DemoWorkflow.PackUrlPrefix + "ComfyUI-DemoPack"
            );
            Assert.Equal("error", red.GetProperty("severity").GetString());

            var plan = JsonDocument
                .Parse(
                    await (
                        await admin.PostAsJsonAsync(
                            "admin/repair",
                            new
                            {
                                workers = new[] { "gpu-02" },
                                actions = new[] { "install-nodes" },
                                dryRun = true,
                            }
                        )
                    ).Content.ReadAsStringAsync()
                )
                .RootElement;
            Assert.Contains("\"enable-node-pack\"", plan.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("\"install-node-pack\"", plan.ToString(), StringComparison.Ordinal);

            var response = await admin.PostAsJsonAsync(
                "admin/repair",
                new { workers = new[] { "gpu-02" }, actions = new[] { "install-nodes" } }
            );
            var started = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.IsSuccessStatusCode, started.ToString());
            var running = agent.RunAsync(stop.Token);
            var job = await RepairFlowContract.WaitForEndAsync(admin, started.GetProperty("jobs")[0].GetProperty("jobId").GetString()!);
            await stop.CancelAsync();

            var action = Assert.Single(job.GetProperty("result").GetProperty("outcome").GetProperty("actions").EnumerateArray());
            Assert.True(action.GetProperty("outcome").GetString() == "done", action.ToString());
            Assert.Equal(
                ("enable-node-pack", commit, commit),
                (action.GetProperty("kind").GetString(), action.GetProperty("before").GetString(), action.GetProperty("after").GetString())
            );
            Assert.True(action.GetProperty("restartRequired").GetBoolean());
            Assert.Equal(commit, await HeadAsync(Path.Combine(nodes, "ComfyUI-DemoPack"))); // the same checkout, not a new clone
            Assert.False(Directory.Exists(disabled));
            Assert.Equal(
                ["ComfyUI-DemoPack"],
                Directory.GetDirectories(nodes).Select(Path.GetFileName).Where(n => n!.Contains("DemoPack", StringComparison.Ordinal))
            );
            Assert.Empty(Directory.GetDirectories(Path.Combine(nodes, ".disabled")));
            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-02")).RootElement;
            Assert.DoesNotContain(report.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("code").GetString() is "node.disabled" or "node.missing"
                && f.GetProperty("subject").GetString()!.Contains("DemoPack", StringComparison.Ordinal)
            );
            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray();
            Assert.Contains(audit, a =>
                a.GetProperty("action").GetString() == "repair.enable-node-pack"
                && a.GetProperty("outcome").GetString()!.StartsWith("done", StringComparison.Ordinal)
            );
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> HeadAsync(string folder) =>
        (await ProcessRunner.RunAsync(new ProcessSpec("git", ["-C", folder, "rev-parse", "HEAD"]), CancellationToken.None)).StdOut.Trim();
}

public sealed class SqliteNodeEnableTests : NodeEnableContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresNodeEnableTests(Postgres postgres) : NodeEnableContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
