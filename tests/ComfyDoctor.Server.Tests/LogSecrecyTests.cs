using ComfyDoctor.Agent.Demo;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 18, 7: no token reaches a log, at any level (Trace included), on either side. A real server and a real agent
/// log everything they have to say while every secret is used: a wrong enroll token, the right one, the agent's
/// credential and blob key, the admin, viewer and metrics tokens. The captured logs are searched for each secret.
/// </summary>
public sealed class LogSecrecyTests
{
    private const string ViewerToken = "test-viewer-token-0123456789";
    private const string MetricsToken = "test-metrics-token-0123456789";
    private const string WrongEnrollToken = "test-enroll-token-9876543210";

    [Fact]
    public async Task No_token_reaches_the_server_or_agent_log_at_any_level()
    {
        using var serverLog = new CapturedLog();
        using var agentLog = new CapturedLog();
        var work = Path.Combine(Path.GetTempPath(), "cdsecret-" + Guid.NewGuid().ToString("N")[..8]);
        await using (
            var server = await TestServer.StartAsync(
                configure: o => o with { ViewerToken = ViewerToken, MetricsToken = MetricsToken },
                logging: serverLog.Configure
            )
        )
        {
            try
            {
                using var anonymous = server.Client(null);
                var guess = new
                {
                    name = "gpu-01",
                    tags = Array.Empty<string>(),
                    enrollToken = WrongEnrollToken,
                };
                using var wrong = await anonymous.PostAsJsonAsync("agent/v1/enroll", guess);
                Assert.False(wrong.IsSuccessStatusCode);

                var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
                var options = TestServer.Options(server.Url, "gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent")) with
                {
                    Logger = agentLog.CreateLogger("ComfyDoctor.Agent"),
                };
                var agent = new ComfyDoctor.Agent.Remote.AgentClient(new HttpClient(), options);
                Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrols, says hello
                using var admin = server.Admin();
                (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
                Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // scans, delivers
                Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("admin/integrity-report/gpu-01")).StatusCode);
                using var viewer = server.Client(ViewerToken);
                Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("")).StatusCode); // the dashboard, read-only
                using var metrics = server.Client(MetricsToken);
                Assert.Equal(HttpStatusCode.OK, (await metrics.GetAsync("metrics")).StatusCode);

                var secrets = new Dictionary<string, string>
                {
                    ["admin token"] = TestServer.AdminToken,
                    ["enroll token"] = TestServer.EnrollToken,
                    ["wrong enroll token"] = WrongEnrollToken,
                    ["viewer token"] = ViewerToken,
                    ["metrics token"] = MetricsToken,
                    ["master key"] = TestServer.MasterKey,
                    ["agent credential"] = (await File.ReadAllTextAsync(Path.Combine(work, "agent", "agent-credential"))).Trim(),
                    ["agent blob key"] = agent.BlobKey!,
                };
                await server.App.StopAsync(); // every entry written

                var logged = serverLog.Text + "\n" + agentLog.Text;
                Assert.Contains("Trace ", serverLog.Text, StringComparison.Ordinal); // the capture really holds every level…
                Assert.Contains("Debug ", serverLog.Text, StringComparison.Ordinal);
                Assert.Contains("enrolled as 'gpu-01'", agentLog.Text, StringComparison.Ordinal); // …of both sides
                Assert.Contains(" done", agentLog.Text, StringComparison.Ordinal);
                Assert.All(secrets, s => Assert.False(logged.Contains(s.Value, StringComparison.Ordinal), $"the {s.Key} is in the log"));
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
