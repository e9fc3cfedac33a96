using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 19.2–19.4 end to end with real agents and real git repositories as pack sources: a ComfyUI-Manager snapshot is
/// imported for the tag both workers carry; gpu-01 lacks a pack, gpu-02 has the demo pack at another commit, the other pack
/// disabled and a stray pack no snapshot lists. Their findings follow at once, without a scan; "Match snapshot" restores
/// both to the snapshot (each pack's commit on disk checked) and leaves the stray pack where it is; export → import round
/// trips; adopt makes a golden worker the tag's expected state, audited.
/// </summary>
public abstract class SnapshotRestoreContract
{
    private const string ExtraPrefix = SnapshotRepos.Prefix;

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Two_workers_with_different_drift_are_restored_to_one_snapshot()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdsnap-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = new CancellationTokenSource();
        try
        {
            var fleet = DemoFleet.Create(work);
            var (one, two) = (Nodes(fleet, 0), Nodes(fleet, 1));
            // v1.2.0; gpu-02 is a commit ahead
            var demo = await SnapshotRepos.GitAsync(Path.Combine(one, "ComfyUI-DemoPack"), "rev-parse", "HEAD");
            var repos = Path.Combine(work, "repos");
            var (extraOld, extraNew) = await SnapshotRepos.ExtraRepoAsync(Path.Combine(repos, "ComfyUI-Extra"));
            await SnapshotRepos.CloneAsync(Path.Combine(repos, "ComfyUI-Extra"), Path.Combine(two, "ComfyUI-Extra.disabled"), extraOld);
            Directory.CreateDirectory(Path.Combine(two, "stray_pack"));
            await File.WriteAllTextAsync(Path.Combine(two, "stray_pack", "__init__.py"), "NODE_CLASS_MAPPINGS = {\"Stray\": object}\n");
            var options = DemoWorkflow.RepairOptions(fleet);
            options = options with
            {
                Install = options.Install with
                {
                    AllowedUrlPrefixes = [.. options.Install.AllowedUrlPrefixes, ExtraPrefix],
                    Mirrors = [.. options.Install.Mirrors, new GitMirror(ExtraPrefix, new Uri(repos + "/").AbsoluteUri)],
                },
            };
            var agents = fleet
                .Workers.Take(2)
                .Select(w => new AgentClient(
                    new HttpClient(),
                    TestServer.Options(server.Url, w.Name, w.ComfyUiRoot, Path.Combine(work, "agent-" + w.Name)) with
                    {
                        Repair = options,
                    }
                ))
                .ToList();
            using var admin = server.Admin();
            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            }

            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            // A malformed file is refused with the field and stores nothing.
            var bad = await admin.PutAsync(
                "admin/snapshots/tags/test",
                new StringContent("{\"git_custom_nodes\": {\"x:y\": {\"hash\": \"main\"}}}")
            );
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("urn:comfydoctor:problem:invalid-snapshot", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("admin/snapshots/tags/test")).StatusCode);

            var manager = $$"""
                {
                    "git_custom_nodes": {
                        "{{DemoWorkflow.PackUrlPrefix}}ComfyUI-DemoPack": {
                            "hash": "{{demo}}",
                            "disabled": false
                        },
                        "{{ExtraPrefix}}ComfyUI-Extra.git": {
                            "hash": "{{extraOld}}",
                            "disabled": false
                        }
                    },
                    "cnr_custom_nodes": {},
                    "file_custom_nodes": [
                        {
                            "filename": "quick_math.py",
                            "disabled": false
                        }
                    ],
                    "pips": {}
                }
                """;
            var stored = await admin.PutAsync("admin/snapshots/tags/test", new StringContent(manager));
            Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
            Assert.Equal(manager, await admin.GetStringAsync("admin/snapshots/tags/test")); // kept exactly as imported

            // Judged again at once, without a scan.
            Assert.Equal(["node.missing " + ExtraPrefix + "ComfyUI-Extra"], await SnapshotFindingsAsync(admin, "gpu-01"));
            Assert.Equal(
                [
                    "node.disabled " + ExtraPrefix + "ComfyUI-Extra",
                    "node.unexpected stray_pack",
                    "node.version-mismatch " + DemoWorkflow.PackUrlPrefix + "ComfyUI-DemoPack",
                ],
                await SnapshotFindingsAsync(admin, "gpu-02")
            );

            var plan = await (
                await admin.PostAsJsonAsync(
                    "admin/repair",
                    new
                    {
                        workers = new[] { "gpu-01", "gpu-02" },
                        actions = new[] { "match-snapshot" },
                        dryRun = true,
                    }
                )
            ).Content.ReadAsStringAsync();
            Assert.Contains("\"enable-node-pack\"", plan, StringComparison.Ordinal);
            var started = await admin.PostAsJsonAsync(
                "admin/repair",
                new { workers = new[] { "gpu-01", "gpu-02" }, actions = new[] { "match-snapshot" } }
            );
            var body = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement;
            Assert.True(started.IsSuccessStatusCode, body.ToString());
            var running = agents.Select(a => a.RunAsync(stop.Token)).ToList();
            var results = new Dictionary<string, List<(string Kind, string Subject, string Outcome)>>();
            var raw = new List<string>();
            foreach (var job in body.GetProperty("jobs").EnumerateArray())
            {
                var ended = await RepairFlowContract.WaitForEndAsync(admin, job.GetProperty("jobId").GetString()!);
                Assert.True(ended.GetProperty("status").GetString() == "done", ended.ToString());
                raw.Add(ended.ToString());
                results[job.GetProperty("worker").GetString()!] =
                [
                    .. ended
                        .GetProperty("result")
                        .GetProperty("outcome")
                        .GetProperty("actions")
                        .EnumerateArray()
                        .Select(a =>
                            (
                                a.GetProperty("kind").GetString()!,
                                a.GetProperty("subject").GetString()!,
                                a.GetProperty("outcome").GetString()!
                            )
                        ),
                ];
            }

            await stop.CancelAsync();
            var extraUrl = ExtraPrefix + "ComfyUI-Extra";
            var demoUrl = DemoWorkflow.PackUrlPrefix + "ComfyUI-DemoPack";
            Assert.True(results.Values.SelectMany(r => r).All(r => r.Outcome == "done"), string.Join("\n", raw));
            Assert.Equal([("install-node-pack", extraUrl, "done")], results["gpu-01"]);
            Assert.Equal(
                [("enable-node-pack", extraUrl, "done"), ("install-node-pack", demoUrl, "done")],
                results["gpu-02"].OrderBy(r => r.Kind, StringComparer.Ordinal)
            );
            foreach (var nodes in new[] { one, two })
            {
                // Never the exit code: each pack's commit on disk.
                Assert.Equal(demo, await SnapshotRepos.GitAsync(Path.Combine(nodes, "ComfyUI-DemoPack"), "rev-parse", "HEAD"));
                Assert.Equal(extraOld, await SnapshotRepos.GitAsync(Path.Combine(nodes, "ComfyUI-Extra"), "rev-parse", "HEAD"));
            }

            Assert.NotEqual(extraNew, extraOld);
            Assert.True(File.Exists(Path.Combine(two, "stray_pack", "__init__.py"))); // unexpected: reported, never removed
            Assert.Empty(await SnapshotFindingsAsync(admin, "gpu-01"));
            Assert.Equal(["node.unexpected stray_pack"], await SnapshotFindingsAsync(admin, "gpu-02"));

            // Snapshot out: gpu-01's export in our format, imported for one worker, is what gpu-01 is; Manager's format reads back.
            var export = await admin.GetStringAsync("admin/workers/gpu-01/snapshot?format=comfydoctor");
            var exported = SnapshotReader.Read(export, "export");
            Assert.Contains(exported.GitPacks, p => p.Url.EndsWith("ComfyUI-Extra", StringComparison.Ordinal) && p.Hash == extraOld);
            Assert.NotEmpty(exported.Models!);
            Assert.True((await admin.PutAsync("admin/snapshots/workers/gpu-01", new StringContent(export))).IsSuccessStatusCode);
            Assert.Equal(export, await admin.GetStringAsync("admin/snapshots/workers/gpu-01"));
            Assert.Empty(await SnapshotFindingsAsync(admin, "gpu-01"));
            var managerExport = await admin.GetStringAsync("admin/workers/gpu-02/snapshot");
            Assert.Null(SnapshotReader.Read(managerExport, "export").Models);
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("admin/workers/gpu-02/snapshot?format=yaml")).StatusCode);

            // Adopt: the golden worker's state becomes the tag's; gpu-02 then has nothing left to match but its stray pack.
            var adopted = await admin.PostAsync("admin/snapshots/tags/test/adopt/gpu-01", null);
            Assert.True(adopted.IsSuccessStatusCode, await adopted.Content.ReadAsStringAsync());
            Assert.True((await admin.DeleteAsync("admin/snapshots/workers/gpu-01")).IsSuccessStatusCode);
            Assert.Equal(["node.unexpected stray_pack"], await SnapshotFindingsAsync(admin, "gpu-02"));
            var list = JsonDocument.Parse(await admin.GetStringAsync("admin/snapshots")).RootElement;
            var tag = Assert.Single(list.EnumerateArray());
            Assert.Equal(
                ("tag", "test", "comfydoctor"),
                (tag.GetProperty("scope").GetString(), tag.GetProperty("name").GetString(), tag.GetProperty("format").GetString())
            );

            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
            var actions = audit.Select(a => (a.GetProperty("action").GetString(), a.GetProperty("outcome").GetString()!)).ToList();
            Assert.Contains(actions, a => a.Item1 == "snapshot.import" && a.Item2.StartsWith("refused", StringComparison.Ordinal));
            Assert.Contains(actions, a => a.Item1 == "snapshot.import" && a.Item2.Contains("judged again", StringComparison.Ordinal));
            Assert.Contains(actions, a => a.Item1 == "snapshot.adopt");
            Assert.Contains(actions, a => a.Item1 == "snapshot.delete");
            Assert.Contains(actions, a => a.Item1 == "repair.enable-node-pack");
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Nodes(DemoFleet.Fleet fleet, int worker) => Path.Combine(fleet.Workers[worker].ComfyUiRoot, "custom_nodes");

    /// <summary>The snapshot's findings of a worker's latest report, as <c>code subject</c>, sorted.</summary>
    private static async Task<List<string>> SnapshotFindingsAsync(HttpClient admin, string worker) =>
        [
            .. (await SnapshotPythonRestoreContract.FindingsAsync(admin, worker)).Where(f =>
                f.Split(' ')[0] is "node.missing" or "node.disabled" or "node.unexpected" or "node.version-mismatch"
            ),
        ];
}

public sealed class SqliteSnapshotRestoreTests : SnapshotRestoreContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSnapshotRestoreTests(Postgres postgres) : SnapshotRestoreContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
