using ComfyDoctor.Agent.Demo;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Issue 15.2 + 15.6 end to end (the server's part of the "Done when"): the development corpus's catalog imported,
/// a hint-free copy of a real corpus workflow registered, two real agents scan real ComfyUI folders; each worker's
/// node.missing findings name their node types as data, the per-node-type view and the repair plan follow; changing a pin
/// re-resolves, judges the latest reports again without a scan, and the next plan follows it.
/// </summary>
public abstract class CatalogFleetContract
{
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task The_fleet_is_judged_by_the_server_catalog_per_node_type_and_follows_a_pin()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Directory.CreateTempSubdirectory("cdcatfleet-");
        try
        {
            using var admin = server.Admin();
            Assert.Equal(
                HttpStatusCode.OK,
                (await CatalogContract.ImportAsync(admin, CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats)).StatusCode
            );
            var added = await admin.PostAsync(
                "admin/workflows?name=leapfusion",
                new StringContent(CorpusFiles.HintFree(CorpusFiles.KjWorkflow))
            );
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);

            var agents = new List<Agent.Remote.AgentClient>();
            foreach (var name in new[] { "gpu-01", "gpu-02" })
            {
                var demo = DemoInstallation.Create(Path.Combine(work.FullName, name), checkpointMiB: 1);
                var agent = server.Agent(name, demo.ComfyUiRoot, Path.Combine(work.FullName, name + "-agent"));
                Assert.False(await agent.PollOnceAsync(CancellationToken.None));
                agents.Add(agent);
            }

            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            // Each worker: KJNodes missing, with the node types it would provide as data.
            foreach (var worker in new[] { "gpu-01", "gpu-02" })
            {
                var missing = await MissingAsync(admin, worker);
                Assert.Equal(
                    [
                        "GetLatentRangeFromBatch",
                        "ImageNoiseAugmentation",
                        "ImageResizeKJ",
                        "LeapfusionHunyuanI2VPatcher",
                        "PathchSageAttentionKJ",
                    ],
                    missing[KjNodes].Order(StringComparer.Ordinal)
                );
            }

            var grid = JsonDocument.Parse(await admin.GetStringAsync("admin/node-types")).RootElement;
            var resize = grid.EnumerateArray().Single(r => r.GetProperty("nodeType").GetString() == "ImageResizeKJ");
            Assert.Equal(KjNodes, resize.GetProperty("pack").GetString());
            Assert.Equal("missing", resize.GetProperty("workers").GetProperty("gpu-01").GetString());
            Assert.Equal("missing", resize.GetProperty("workers").GetProperty("gpu-02").GetString());
            Assert.Contains(KjNodes, await PlannedPacksAsync(admin));

            // Pin ImageResizeKJ to its runner-up: the reports are judged again at once, and the next plan installs that pack.
            var registered = (await admin.GetFromJsonAsync<JsonElement>("admin/workflows")).EnumerateArray().Single();
            var runnerUp = registered
                .GetProperty("resolution")
                .GetProperty("nodes")
                .EnumerateArray()
                .Single(n => n.GetProperty("type").GetString() == "ImageResizeKJ")
                .GetProperty("alternatives")[0]
                .GetString()!;
            var pinned = await admin.PostAsJsonAsync("admin/pins/nodes", new { type = "ImageResizeKJ", url = runnerUp });
            Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
            var judged = JsonDocument.Parse(await pinned.Content.ReadAsStringAsync()).RootElement.GetProperty("reportsJudged");
            Assert.Equal(2, judged.GetInt32());
            foreach (var worker in new[] { "gpu-01", "gpu-02" })
            {
                var missing = await MissingAsync(admin, worker);
                Assert.Contains("ImageResizeKJ", missing[runnerUp]);
                Assert.DoesNotContain("ImageResizeKJ", missing[KjNodes]);
            }

            Assert.Contains(runnerUp, await PlannedPacksAsync(admin));
            var after = JsonDocument
                .Parse(await admin.GetStringAsync("admin/node-types"))
                .RootElement.EnumerateArray()
                .Single(r => r.GetProperty("nodeType").GetString() == "ImageResizeKJ");
            Assert.Equal(runnerUp, after.GetProperty("pack").GetString());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A worker's node.missing findings: pack URL → the node types it would provide.</summary>
    private static async Task<Dictionary<string, List<string>>> MissingAsync(HttpClient admin, string worker)
    {
        var report = JsonDocument.Parse(await admin.GetStringAsync($"admin/integrity-report/{worker}")).RootElement;
        return report
            .GetProperty("findings")
            .EnumerateArray()
            .Where(f => f.GetProperty("code").GetString() == "node.missing")
            .ToDictionary(
                f => f.GetProperty("subject").GetString()!,
                f => f.GetProperty("nodeTypes").EnumerateArray().Select(t => t.GetString()!).ToList()
            );
    }

    private static async Task<List<string>> PlannedPacksAsync(HttpClient admin)
    {
        var plan = await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "install-nodes" }, dryRun = true });
        Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
        var text = await plan.Content.ReadAsStringAsync();
        return JsonDocument
            .Parse(text)
            .RootElement.GetProperty("plan")
            .GetProperty("actions")
            .EnumerateArray()
            .Select(a => a.GetProperty("subject").GetString()!)
            .ToList();
    }
}

public sealed class SqliteCatalogFleetTests : CatalogFleetContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCatalogFleetTests(Postgres postgres) : CatalogFleetContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
