using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Repairs;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Issue 15's "Done when", end to end: a real server with the development corpus's catalog imported (ComfyUI-Manager's
/// real files), a hint-free copy of a real corpus workflow registered, two real agents on ComfyUI folders — gpu-02 holds
/// one needed pack disabled by ComfyUI-Manager (<c>custom_nodes/.disabled/</c>). "Install Missing Nodes" installs the
/// packs the fleet resolution chose, from local git repositories standing in for the catalog's URLs (the agents allow
/// only those two sources), enables the disabled pack instead of cloning it again, and shows the outcome per node type
/// per worker; then a pin changes the version, the fleet is re-resolved, and the next repair installs the pinned version.
/// </summary>
public abstract class FleetInstallContract
{
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string Vhs = "https://github.com/Kosinkadink/ComfyUI-VideoHelperSuite";

    private static readonly string[] KjTypes =
    [
        "GetLatentRangeFromBatch",
        "ImageNoiseAugmentation",
        "ImageResizeKJ",
        "LeapfusionHunyuanI2VPatcher",
        "PathchSageAttentionKJ",
    ];

    private static readonly string[] Workers = ["gpu-01", "gpu-02"];

    protected abstract Task<string?> DatabaseAsync();

    [CorpusFact]
    public async Task Install_missing_nodes_installs_the_fleet_s_choice_enables_a_disabled_pack_and_follows_a_pin()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Directory.CreateTempSubdirectory("cdfleetinstall-").FullName;
        using var stop = new CancellationTokenSource();
        try
        {
            var mirrors = new PackMirrors(Path.Combine(work, "mirrors"));
            var kj = await mirrors.CreateAsync(KjNodes, KjTypes, "1.0.0", "1.1.0");
            var vhs = await mirrors.CreateAsync(Vhs, ["VHS_VideoCombine"], "1.0.0");
            using var admin = server.Admin();
            Assert.Equal(
                HttpStatusCode.OK,
                (await CatalogContract.ImportAsync(admin, CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats)).StatusCode
            );
            var registered = await admin.PostAsync("admin/workflows?name=leapfusion", new StringContent(HintFreeWorkflow()));
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);

            var agents = new List<AgentClient>();
            var roots = new Dictionary<string, string>();
            foreach (var name in Workers)
            {
                roots[name] = DemoInstallation.Create(Path.Combine(work, name), checkpointMiB: 1).ComfyUiRoot;
                var options = TestServer.Options(server.Url, name, roots[name], Path.Combine(work, name + "-agent")) with
                {
                    Repair = RepairOptions.Default with
                    {
                        Install = InstallPolicy.CatalogOnly([]) with
                        {
                            AllowedUrlPrefixes = [KjNodes, Vhs],
                            Mirrors = [new GitMirror(PackMirrors.GitHub, mirrors.MirrorUri)],
                        },
                    },
                };
                agents.Add(new AgentClient(new HttpClient(), options));
            }

            // gpu-02: ComfyUI-Manager v3 disabled VHS (a checkout of the catalog's repository, moved under .disabled/).
            var disabled = Path.Combine(roots["gpu-02"], "custom_nodes", ".disabled", "ComfyUI-VideoHelperSuite@1_0_0");
            Directory.CreateDirectory(Path.GetDirectoryName(disabled)!);
            Assert.Equal(vhs["1.0.0"], await mirrors.CloneAsync(Vhs, disabled));

            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled
            }

            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            var states = await NodeTypeStatesAsync(admin);
            Assert.Equal("missing", states[("ImageResizeKJ", "gpu-01")]);
            Assert.Equal("missing", states[("VHS_VideoCombine", "gpu-01")]);
            Assert.Equal("disabled", states[("VHS_VideoCombine", "gpu-02")]);

            // "Install Missing Nodes" on the whole fleet.
            var first = await RepairAsync(admin, agents, stop.Token);
            var running = first.Running;
            AssertAction(first.Jobs["gpu-01"], KjNodes, "install-node-pack", kj["1.1.0"], KjTypes);
            AssertAction(first.Jobs["gpu-01"], Vhs, "install-node-pack", vhs["1.0.0"], ["VHS_VideoCombine"]);
            AssertAction(first.Jobs["gpu-02"], KjNodes, "install-node-pack", kj["1.1.0"], KjTypes);
            AssertAction(first.Jobs["gpu-02"], Vhs, "enable-node-pack", vhs["1.0.0"], null);
            foreach (var name in Workers)
            {
                Assert.Equal(
                    kj["1.1.0"],
                    await PackMirrors.GitAsync(Path.Combine(roots[name], "custom_nodes", "ComfyUI-KJNodes"), "rev-parse", "HEAD")
                );
                Assert.Equal(vhs["1.0.0"], await PackMirrors.GitAsync(VhsFolder(roots[name]), "rev-parse", "HEAD"));
            }

            // gpu-02's disabled checkout was moved back, not cloned beside it.
            Assert.False(Directory.Exists(disabled));
            Assert.Single(Directory.GetDirectories(Path.Combine(roots["gpu-02"], "custom_nodes"), "*VideoHelperSuite*"));
            states = await NodeTypeStatesAsync(admin);
            Assert.All(KjTypes.Append("VHS_VideoCombine"), t => Assert.All(Workers, w => Assert.Equal("ok", states[(t, w)])));

            // A pin: KJNodes at 1.0.0. The fleet is re-resolved, both latest reports judged again without a scan ...
            var pinned = await admin.PutAsync(
                "admin/pins",
                new StringContent($"packs:\n  - name: kj\n    url: {KjNodes}\n    version: 1.0.0\n")
            );
            var change = JsonDocument.Parse(await pinned.Content.ReadAsStringAsync()).RootElement;
            Assert.True(pinned.IsSuccessStatusCode, change.ToString());
            Assert.Equal((1, 2), (change.GetProperty("workflowsChanged").GetInt32(), change.GetProperty("reportsJudged").GetInt32()));
            states = await NodeTypeStatesAsync(admin);
            Assert.All(Workers, w => Assert.Equal("version-mismatch", states[("ImageResizeKJ", w)]));

            // ... and the next repair installs the pinned version on both workers.
            await stop.CancelAsync();
            await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
            using var stopAgain = new CancellationTokenSource();
            var second = await RepairAsync(admin, agents, stopAgain.Token);
            foreach (var name in Workers)
            {
                AssertAction(second.Jobs[name], KjNodes, "install-node-pack", kj["1.0.0"], KjTypes);
                Assert.Equal(
                    kj["1.0.0"],
                    await PackMirrors.GitAsync(Path.Combine(roots[name], "custom_nodes", "ComfyUI-KJNodes"), "rev-parse", "HEAD")
                );
            }

            states = await NodeTypeStatesAsync(admin);
            Assert.All(KjTypes.Append("VHS_VideoCombine"), t => Assert.All(Workers, w => Assert.Equal("ok", states[(t, w)])));
            await stopAgain.CancelAsync();
            await Task.WhenAll(second.Running).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await stop.CancelAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The corpus workflow with every hint stripped; the test asserts it really has none left.</summary>
    private static string HintFreeWorkflow()
    {
        var text = CorpusFiles.HintFree(CorpusFiles.KjWorkflow);
        Assert.DoesNotContain("\"cnr_id\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"aux_id\"", text, StringComparison.Ordinal);
        return text;
    }

    private static string VhsFolder(string root) =>
        Assert.Single(Directory.GetDirectories(Path.Combine(root, "custom_nodes"), "*VideoHelperSuite*"));

    /// <summary>Plans and confirms "Install Missing Nodes" for every worker, runs the agents until both jobs end.</summary>
    private static async Task<(Dictionary<string, JsonElement> Jobs, List<Task> Running)> RepairAsync(
        HttpClient admin,
        IReadOnlyList<AgentClient> agents,
        CancellationToken stop
    )
    {
        var response = await admin.PostAsJsonAsync(
            "admin/repair",
            new { workers = Workers, actions = new[] { "install-nodes" } },
            CancellationToken.None
        );
        var started = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None)).RootElement;
        Assert.True(response.IsSuccessStatusCode, started.ToString());
        var running = agents.Select(a => a.RunAsync(stop)).ToList();
        var jobs = new Dictionary<string, JsonElement>();
        foreach (var job in started.GetProperty("jobs").EnumerateArray())
        {
            var done = await RepairFlowContract.WaitForEndAsync(admin, job.GetProperty("jobId").GetString()!);
            Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
            jobs[job.GetProperty("worker").GetString()!] = done;
        }

        return (jobs, running);
    }

    /// <summary>The job's action on <paramref name="pack"/>: done, its kind, the commit after it, and (for an install) each node
    /// type confirmed, as data.</summary>
    private static void AssertAction(JsonElement job, string pack, string kind, string commit, IReadOnlyList<string>? nodeTypes)
    {
        var action = Assert.Single(job.GetProperty("result").GetProperty("outcome").GetProperty("actions").EnumerateArray(), a =>
            a.GetProperty("subject").GetString() == pack
        );
        Assert.True(action.GetProperty("outcome").GetString() == "done", action.ToString());
        Assert.Equal((kind, commit), (action.GetProperty("kind").GetString(), action.GetProperty("after").GetString()));
        if (nodeTypes is not null)
        {
            var results = action.GetProperty("nodeTypes").EnumerateArray().ToList();
            Assert.Equal(
                nodeTypes.Order(StringComparer.Ordinal),
                results.Select(t => t.GetProperty("nodeType").GetString()!).Order(StringComparer.Ordinal)
            );
            Assert.All(results, t => Assert.Equal("confirmed", t.GetProperty("state").GetString()));
        }
    }

    /// <summary><c>GET /admin/node-types</c>: (node type, worker) → ok, missing, disabled, version-mismatch, unresolved.</summary>
    private static async Task<Dictionary<(string Type, string Worker), string>> NodeTypeStatesAsync(HttpClient admin) =>
        JsonDocument
            .Parse(await admin.GetStringAsync("admin/node-types"))
            .RootElement.EnumerateArray()
            .SelectMany(r =>
                r.GetProperty("workers")
                    .EnumerateObject()
                    .Select(w => ((r.GetProperty("nodeType").GetString()!, w.Name), w.Value.GetString()!))
            )
            .ToDictionary(x => x.Item1, x => x.Item2);
}

public sealed class SqliteFleetInstallTests : FleetInstallContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresFleetInstallTests(Postgres postgres) : FleetInstallContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
