using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Issue 15 §3 on the server: the fleet learns from workers' ComfyUI. A registered workflow needs node types that no
/// catalog lists and no pack names statically — a pack generates them at run time. gpu-01's ComfyUI (a test double that
/// loads <c>custom_nodes</c> as ComfyUI does and answers <c>/object_info</c> in its shape: ComfyUI itself needs PyTorch)
/// reports them from <c>custom_nodes/ComfyUI-Runtime</c>; once that scan is stored the fleet is resolved again with that
/// evidence, and gpu-02, which lacks the pack, is judged missing it — per node type, without a second scan. A node that
/// only a pack's JavaScript registers (as KJNodes' Set/Get nodes) is learned from gpu-01's installed web code alike.
/// </summary>
public abstract class FleetLearningContract
{
    private const string Runtime = "https://github.com/example-org/ComfyUI-Runtime";
    private const string Virtual = "https://github.com/example-org/ComfyUI-Virtual";

    private const string Workflow = """
        {"1": {"class_type": "KSampler", "inputs": {}},
         "2": {"class_type": "LoaderRuntime", "inputs": {}},
         "3": {"class_type": "SamplerRuntime", "inputs": {}},
         "4": {"class_type": "RouteNode", "inputs": {}}}
        """;

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Types_a_worker_s_comfyui_reports_resolve_the_fleet_s_unresolved_nodes_with_that_evidence()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Directory.CreateTempSubdirectory("cdlearn-").FullName;
        try
        {
            using var admin = server.Admin();
            (await admin.PostAsync("admin/workflows?name=runtime", new StringContent(Workflow))).EnsureSuccessStatusCode();
            Assert.Equal("unresolved", Node(await ResolutionAsync(admin), "LoaderRuntime").GetProperty("status").GetString());

            // gpu-01 holds the pack (a git checkout of its repository); its names exist only once Python has run.
            var gpu01 = DemoInstallation.Create(Path.Combine(work, "gpu-01"), checkpointMiB: 1).ComfyUiRoot;
            var mirrors = new PackMirrors(Path.Combine(work, "mirrors"));
            await mirrors.CreateAsync(Runtime, [], "0.1.0");
            var pack = Path.Combine(gpu01, "custom_nodes", "ComfyUI-Runtime");
            await mirrors.CloneAsync(Runtime, pack);
            await File.WriteAllTextAsync(
                Path.Combine(pack, "__init__.py"),
                "NODE_CLASS_MAPPINGS = {}\nfor kind in ('Loader', 'Sampler'):\n"
                    + "    NODE_CLASS_MAPPINGS[kind + 'Runtime'] = type(kind, (), {})\n"
            );
            // ... and a pack whose only node lives in the browser: its web code registers it, ComfyUI never lists it.
            await mirrors.CreateAsync(Virtual, [], "0.1.0");
            var virtualPack = Path.Combine(gpu01, "custom_nodes", "ComfyUI-Virtual");
            await mirrors.CloneAsync(Virtual, virtualPack);
            await File.WriteAllTextAsync(Path.Combine(virtualPack, "__init__.py"), "NODE_CLASS_MAPPINGS = {}\nWEB_DIRECTORY = './web'\n");
            Directory.CreateDirectory(Path.Combine(virtualPack, "web"));
            await File.WriteAllTextAsync(
                Path.Combine(virtualPack, "web", "route.js"),
                "app.registerExtension({ registerCustomNodes() { LiteGraph.registerNodeType(\"RouteNode\", class {}); } });\n"
            );
            await using var comfy = await FakeComfyUi.StartAsync(gpu01, ["KSampler", "CheckpointLoaderSimple"], work);
            var options = TestServer.Options(server.Url, "gpu-01", gpu01, Path.Combine(work, "gpu-01-agent"));
            var agents = new[]
            {
                new AgentClient(new HttpClient(), options with { Scan = options.Scan with { ComfyUrl = comfy.Url } }),
                server.Agent(
                    "gpu-02",
                    DemoInstallation.Create(Path.Combine(work, "gpu-02"), checkpointMiB: 1).ComfyUiRoot,
                    Path.Combine(work, "gpu-02-agent")
                ),
            };
            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            }

            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            var loader = Node(await ResolutionAsync(admin), "LoaderRuntime");
            Assert.Equal(
                ("resolved", Runtime, "objectInfo"),
                (
                    loader.GetProperty("status").GetString(),
                    loader.GetProperty("pack").GetProperty("url").GetString(),
                    loader.GetProperty("evidence").GetString()
                )
            );
            Assert.Contains("gpu-01", loader.GetProperty("reason").GetString(), StringComparison.Ordinal);

            var route = Node(await ResolutionAsync(admin), "RouteNode");
            Assert.Equal(
                ("resolved", Virtual, "webCode"),
                (
                    route.GetProperty("status").GetString(),
                    route.GetProperty("pack").GetProperty("url").GetString(),
                    route.GetProperty("evidence").GetString()
                )
            );
            Assert.Contains("gpu-01: ", route.GetProperty("reason").GetString(), StringComparison.Ordinal);

            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-02")).RootElement;
            var missing = Assert.Single(report.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("code").GetString() == "node.missing" && f.GetProperty("subject").GetString() == Runtime
            );
            Assert.Equal(
                ["LoaderRuntime", "SamplerRuntime"],
                missing.GetProperty("nodeTypes").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal)
            );
            var grid = JsonDocument.Parse(await admin.GetStringAsync("admin/node-types")).RootElement.EnumerateArray();
            var sampler = grid.Single(r => r.GetProperty("nodeType").GetString() == "SamplerRuntime").GetProperty("workers");
            Assert.Equal(("ok", "missing"), (sampler.GetProperty("gpu-01").GetString(), sampler.GetProperty("gpu-02").GetString()));

            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray();
            Assert.Contains(audit, a =>
                a.GetProperty("action").GetString() == "workflows.resolve"
                && a.GetProperty("actor").GetString() == "server"
                && a.GetProperty("parameters")
                    .GetString()!
                    .Contains("LoaderRuntime (custom_nodes/ComfyUI-Runtime)", StringComparison.Ordinal)
            );
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<JsonElement> ResolutionAsync(HttpClient admin) =>
        JsonDocument.Parse(await admin.GetStringAsync("admin/workflows/resolution")).RootElement.GetProperty("workflows")[0];

    private static JsonElement Node(JsonElement workflow, string type) =>
        workflow.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("type").GetString() == type);
}

public sealed class SqliteFleetLearningTests : FleetLearningContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresFleetLearningTests(Postgres postgres) : FleetLearningContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
