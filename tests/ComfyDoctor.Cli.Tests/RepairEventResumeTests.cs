using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// A repair's event stream (a real server, two workers driven over the agent protocol) read by two followers: one
/// undisturbed, one whose connection is cut in the middle of the repair while the repair moves on. The cut one reconnects
/// with <c>Last-Event-ID</c> and ends with exactly the events of the undisturbed one: none lost, none twice.
/// </summary>
public sealed class RepairEventResumeTests
{
    private const string AdminToken = "resume-admin-token-123456";
    private const string EnrollToken = "resume-enroll-token-123456";

    [Fact]
    public async Task A_follower_cut_off_mid_repair_resumes_where_it_left_off_with_no_event_lost_or_doubled()
    {
        using var dir = new TempDir();
        await using var app = ServerHost.Build(
            new ServerOptions("http://127.0.0.1:0", null, dir.Combine("server"))
            {
                AdminToken = AdminToken,
                EnrollToken = EnrollToken,
                LongPoll = TimeSpan.FromSeconds(2),
            }
        );
        var url = await ServerHost.StartAsync(app, CancellationToken.None);
        using var admin = Client(url, AdminToken);
        using var w1 = Client(url, await EnrollAsync(url, "w1"));
        using var w2 = Client(url, await EnrollAsync(url, "w2"));
        var body = new { workers = new[] { "w1", "w2" }, actions = new[] { "sync-models" } };
        var started = await (await admin.PostAsJsonAsync("admin/repair", body)).Content.ReadFromJsonAsync<JsonElement>();
        var repairId = started.GetProperty("repairId").GetString()!;
        var job1 = (await w1.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString()!;
        var job2 = (await w2.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString()!;
        await ProgressAsync(w1, job1, 10);
        await ProgressAsync(w2, job2, 20);

        using var cutter = new CuttingHandler(events: 2);
        using var cutClient = new HttpClient(cutter) { BaseAddress = url };
        cutClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var whole = Follow(admin, repairId, stop.Token);
        var resumed = Follow(cutClient, repairId, stop.Token);
        await whole.UntilAsync(2);
        await resumed.UntilAsync(2);

        await cutter.Reconnecting.Task.WaitAsync(stop.Token); // cut after both jobs' events; the repair goes on meanwhile
        await ProgressAsync(w1, job1, 30);
        await whole.UntilAsync(3);
        cutter.Release();
        await resumed.UntilAsync(3);
        await FailAsync(w1, job1);
        await whole.UntilAsync(4);
        await resumed.UntilAsync(4);
        await FailAsync(w2, job2);
        var all = await whole.Done;
        var got = await resumed.Done;

        Assert.Equal(whole.Ids(), resumed.Ids()); // the same events in the same order…
        Assert.Equal(all.Select(e => e.Data.GetRawText()), got.Select(e => e.Data.GetRawText())); // …with the same data
        Assert.Equal(resumed.Ids().Count, resumed.Ids().Distinct().Count()); // none twice
        Assert.Equal(6, got.Count); // 2 at the start, 1 while cut off, 2 failures, done
        Assert.Equal([got[1].EventId], cutter.LastEventIds); // resumed after the last event it had read
        Assert.Equal("done", got[^1].EventType);
    }

    [Fact]
    public async Task A_last_event_id_this_server_never_sent_is_refused_with_the_reason()
    {
        using var dir = new TempDir();
        await using var app = ServerHost.Build(
            new ServerOptions("http://127.0.0.1:0", null, dir.Combine("server")) { AdminToken = AdminToken, EnrollToken = EnrollToken }
        );
        var url = await ServerHost.StartAsync(app, CancellationToken.None);
        using var admin = Client(url, AdminToken);
        await EnrollAsync(url, "w1");
        var started = await (
            await admin.PostAsJsonAsync("admin/repair/w1", new { actions = new[] { "sync-models" } })
        ).Content.ReadFromJsonAsync<JsonElement>();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"admin/repairs/{started.GetProperty("repairId").GetString()}/events");
        request.Headers.Add("Last-Event-ID", "yesterday");

        using var response = await admin.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Last-Event-ID 'yesterday'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static HttpClient Client(Uri url, string token)
    {
        var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<string> EnrollAsync(Uri url, string name)
    {
        using var anonymous = new HttpClient { BaseAddress = url };
        using var response = await anonymous.PostAsJsonAsync(
            "agent/v1/enroll",
            new EnrollRequest(name, [], EnrollToken, false),
            ReportJson.Options
        );
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options))!.Credential;
    }

    private static async Task ProgressAsync(HttpClient agent, string job, long bytes) =>
        (
            await agent.PostAsJsonAsync(
                $"agent/v1/jobs/{job}/progress",
                new JobProgress("transferring", 0, 1, bytes, 100),
                ReportJson.Options
            )
        ).EnsureSuccessStatusCode();

    private static async Task FailAsync(HttpClient agent, string job) =>
        (
            await agent.PostAsJsonAsync($"agent/v1/jobs/{job}/result", new JobResult(null, "stopped by the test"), ReportJson.Options)
        ).EnsureSuccessStatusCode();

    private static Follower Follow(HttpClient http, string repairId, CancellationToken ct) =>
        new(RepairEventStream.ReadAsync(http, repairId, ct));

    /// <summary>Reads a stream to its end in the background; the events so far can be waited for.</summary>
    private sealed class Follower
    {
        private readonly List<SseItem<JsonElement>> _events = [];

        public Follower(IAsyncEnumerable<SseItem<JsonElement>> stream) => Done = ReadAsync(stream);

        public Task<List<SseItem<JsonElement>>> Done { get; }

        public List<string?> Ids()
        {
            lock (_events)
            {
                return [.. _events.Select(e => e.EventId)];
            }
        }

        public async Task UntilAsync(int count)
        {
            for (var i = 0; i < 1200; i++)
            {
                lock (_events)
                {
                    if (_events.Count >= count)
                    {
                        Assert.Equal(count, _events.Count); // each step of the test is one event, never more
                        return;
                    }
                }

                if (Done.IsFaulted)
                {
                    await Done;
                }

                await Task.Delay(50);
            }

            Assert.Fail($"{count} events did not come (got {Ids().Count})");
        }

        private async Task<List<SseItem<JsonElement>>> ReadAsync(IAsyncEnumerable<SseItem<JsonElement>> stream)
        {
            await foreach (var item in stream)
            {
                lock (_events)
                {
                    _events.Add(item);
                }
            }

            lock (_events)
            {
                return [.. _events];
            }
        }
    }
}
