using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Server.Tests;

/// <summary>Issue 18.4: agents say their build in their hello; the workers API shows it; an agent older than the server gets a
/// yellow <c>agent.outdated</c> finding, one of the same version none. Run on SQLite and PostgreSQL (migration 007).</summary>
public abstract class AgentVersionContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task An_older_agent_is_outdated_and_every_agent_build_is_listed()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdversion-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var current = BuildInfo.Current;
            var older = current with { Version = "0.0.1", Commit = "0ld0ld0", Os = "linux", Arch = "arm64" };
            var agents = new[]
            {
                Agent(server, "gpu-same", demo.ComfyUiRoot, Path.Combine(work, "same"), current),
                Agent(server, "gpu-old", demo.ComfyUiRoot, Path.Combine(work, "old"), older),
            };
            foreach (var agent in agents)
            {
                Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolls and says hello
            }

            using var admin = server.Admin();
            (
                await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-same", "gpu-old" } })
            ).EnsureSuccessStatusCode();
            foreach (var agent in agents)
            {
                Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            }

            var old = Outdated(JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-old")).RootElement);
            Assert.NotNull(old);
            Assert.Equal("warning", old.Value.GetProperty("severity").GetString());
            Assert.Equal("runtime", old.Value.GetProperty("category").GetString());
            Assert.Contains("deploy", old.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains(current.Version, old.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
            var oldReport = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-old")).RootElement;
            Assert.NotEqual("green", oldReport.GetProperty("health").GetProperty("runtime").GetString());

            Assert.Null(Outdated(JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-same")).RootElement));

            var workers = JsonDocument
                .Parse(await admin.GetStringAsync("admin/workers"))
                .RootElement.EnumerateArray()
                .ToDictionary(w => w.GetProperty("name").GetString()!, w => w.GetProperty("agent"));
            Assert.Equal(new[] { "0.0.1", "0ld0ld0", "linux", "arm64" }, Fields(workers["gpu-old"]));
            Assert.Equal(new[] { current.Version, current.Commit, current.Os, current.Arch }, Fields(workers["gpu-same"]));
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_hello_with_a_malformed_build_is_refused_and_changes_nothing()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var anonymous = server.Client(null);
        var enrolled = await (
            await anonymous.PostAsJsonAsync("agent/v1/enroll", new EnrollRequest("gpu-x", [], TestServer.EnrollToken), ReportJsonOptions)
        ).Content.ReadFromJsonAsync<EnrollResponse>(ReportJsonOptions);
        using var agent = server.Client(enrolled!.Credential);
        Assert.True(
            (
                await agent.PostAsJsonAsync("agent/v1/hello", new AgentHello(null, "0.1.0", "abc", "linux", "x64"), ReportJsonOptions)
            ).IsSuccessStatusCode
        );

        foreach (
            var bad in new[]
            {
                new AgentHello(null, "0.1.0 evil", "abc"),
                new AgentHello(null, "0.1.0", new string('a', 65)),
                new AgentHello(null, "0.1.0", "abc", "", "x64"),
            }
        )
        {
            var refused = await agent.PostAsJsonAsync("agent/v1/hello", bad, ReportJsonOptions);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using var admin = server.Admin();
        var listed = JsonDocument.Parse(await admin.GetStringAsync("admin/workers")).RootElement[0].GetProperty("agent");
        Assert.Equal(new[] { "0.1.0", "abc", "linux", "x64" }, Fields(listed));
    }

    private static readonly JsonSerializerOptions ReportJsonOptions = Core.Reports.ReportJson.Options;

    private static AgentClient Agent(TestServer server, string name, string comfyRoot, string data, BuildInfo build) =>
        new(new HttpClient(), TestServer.Options(server.Url, name, comfyRoot, data) with { Build = build });

    private static JsonElement? Outdated(JsonElement report) =>
        report
            .GetProperty("findings")
            .EnumerateArray()
            .Where(f => f.GetProperty("code").GetString() == "agent.outdated")
            .Select(f => (JsonElement?)f)
            .FirstOrDefault();

    private static string?[] Fields(JsonElement agent) =>
        [.. new[] { "version", "commit", "os", "arch" }.Select(p => agent.GetProperty(p).GetString())];
}

public sealed class SqliteAgentVersionTests : AgentVersionContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAgentVersionTests(Postgres postgres) : AgentVersionContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
