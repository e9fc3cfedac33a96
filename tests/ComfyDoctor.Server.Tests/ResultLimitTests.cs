using System.Net.Http.Headers;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>Issue 16.5: the limit on a result is stated (<see cref="ServerOptions.MaxResultBytes"/>, <c>--max-result-mb</c>) and a result
/// over it is answered 413 with the reason — which the agent reports as its job's failure.</summary>
public sealed class ResultLimitTests
{
    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    [Fact]
    public void The_default_limit_admits_a_worker_with_100000_models()
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { inventory = FleetSizeContract.BigStore("store-01", corrupt: 7) }, Compact);
        Assert.InRange(body.LongLength, 1, new ServerOptions("", null, "").MaxResultBytes / 2);
    }

    [Fact]
    public async Task A_result_over_the_limit_is_answered_413_with_the_reason()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxResultBytes = 1L << 20 });
        using var admin = server.Admin();
        using var agent = await server.EnrolledAsync("store-01");
        await admin.PostAsJsonAsync("admin/integrity-scan", new { });
        var id = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();

        using var content = new ByteArrayContent(
            JsonSerializer.SerializeToUtf8Bytes(new { inventory = FleetSizeContract.BigStore("store-01", corrupt: 7) }, ReportJson.Options)
        );
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"agent/v1/jobs/{id}/result") { Content = content };
        request.Headers.ExpectContinue = true; // as the agent sends it: the refusal comes before the body is sent
        var refused = await agent.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.True(refused.Headers.ConnectionClose, "the unread body's connection must not be reused for the next request");
        var why = ProblemText.Of(await refused.Content.ReadAsStringAsync());
        Assert.StartsWith($"result of job {id} refused: ", why, StringComparison.Ordinal);
        Assert.Contains(" bytes is over this server's limit of 1,048,576 bytes (1 MiB)", why, StringComparison.Ordinal);
        Assert.Contains("--max-result-mb", why, StringComparison.Ordinal);
        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("status").GetString());
        Console.WriteLine(
            $"RELIABILITY result-limit: offered={content.Headers.ContentLength} limit={1 << 20} status=413 reason-given=1 job-still-open=1"
        );
    }

    [Fact]
    public async Task The_agent_reports_a_refused_result_as_its_jobs_failure_with_the_reason()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxResultBytes = 4 << 10 });
        var work = Path.Combine(Path.GetTempPath(), "cdlimit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            using var log = new CapturedLog();
            var options = TestServer.Options(server.Url, "gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent")) with
            {
                Logger = log.CreateLogger("agent"),
            };
            var agent = new ComfyDoctor.Agent.Remote.AgentClient(new HttpClient(), options);
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            using var admin = server.Admin();
            var queued = await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-01" } });
            var jobId = (await queued.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("jobId").GetString();

            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{jobId}");
            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.Contains("the server refused the result (413)", job.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("over this server's limit of 4,096 bytes", job.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains(log.Text.Split('\n'), l =>
                l.Contains("(413)", StringComparison.Ordinal) && l.Contains("--max-result-mb", StringComparison.Ordinal)
            );
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
