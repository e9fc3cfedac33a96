using System.Net.Http.Headers;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>Results beyond <see cref="ServerOptions.MaxConcurrentResults"/> wait their turn, oldest first, up to
/// <see cref="ServerOptions.MaxQueuedResults"/>; one more is answered 503 with a Retry-After, unread, and stored when it comes
/// back (<see cref="ResultAdmission"/>).</summary>
public sealed class ResultConcurrencyTests
{
    [Fact]
    public async Task A_whole_fleet_posting_at_once_past_the_limit_is_stored_without_a_refusal()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxConcurrentResults = 1 });
        var agents = await EnrollAsync(server, 8);
        using var admin = server.Admin();
        var jobs = await ScanAsync(admin, agents);

        var posted = await Task.WhenAll(agents.Select((a, i) => a.PostAsync($"agent/v1/jobs/{jobs[i]}/result", Result(i))));

        Assert.All(posted, p => Assert.Equal(HttpStatusCode.NoContent, p.StatusCode));
        await AllDoneAsync(admin);
        agents.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task A_post_past_a_full_queue_is_answered_503_unread_and_stored_when_it_comes_back()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxConcurrentResults = 1, MaxQueuedResults = 1 });
        var admission = server.App.Services.GetRequiredService<ResultAdmission>();
        var agents = await EnrollAsync(server, 3);
        using var admin = server.Admin();
        var jobs = await ScanAsync(admin, agents);

        var held = new HeldContent(Result(0));
        var storing = agents[0].PostAsync($"agent/v1/jobs/{jobs[0]}/result", held); // read in part, then held
        await UntilAsync(() => admission.Storing == 1 && held.Started);
        var queued = agents[1].PostAsync($"agent/v1/jobs/{jobs[1]}/result", Result(1));
        await UntilAsync(() => admission.Queued == 1);

        using (var refused = await agents[2].PostAsync($"agent/v1/jobs/{jobs[2]}/result", Result(2)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, ResultPacing.MaxSeconds); // paced
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.EndsWith("server-busy", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.Contains("is storing 1 results with 1 waiting", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.False(queued.IsCompleted); // still waiting its turn behind the held one
        held.Release();
        Assert.Equal(HttpStatusCode.NoContent, (await storing).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await queued).StatusCode);
        using var again = await agents[2].PostAsync($"agent/v1/jobs/{jobs[2]}/result", Result(2)); // after its Retry-After
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await AllDoneAsync(admin);
        agents.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task A_real_agent_turned_away_by_a_full_result_queue_delivers_its_scan_when_it_comes_back()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxConcurrentResults = 1, MaxQueuedResults = 0 });
        var admission = server.App.Services.GetRequiredService<ResultAdmission>();
        var work = Path.Combine(Path.GetTempPath(), "cdresults-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(work, "gpu-01"));
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled, nothing to do yet
            var others = await EnrollAsync(server, 1);
            using var admin = server.Admin();
            var job = (await ScanAsync(admin, others))[0];
            var held = new HeldContent(Result(0));
            var storing = others[0].PostAsync($"agent/v1/jobs/{job}/result", held); // the one turn, held
            await UntilAsync(() => admission.Storing == 1 && held.Started);

            var delivering = agent.PollOnceAsync(CancellationToken.None); // claims its scan, scans, posts: 503, waits, again
            await UntilAsync(() => admission.Refused >= 1);
            Assert.False(delivering.IsCompleted);
            held.Release();
            Assert.Equal(HttpStatusCode.NoContent, (await storing).StatusCode);
            Assert.True(await delivering);
            await AllDoneAsync(admin);
            others.ForEach(a => a.Dispose());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<List<HttpClient>> EnrollAsync(TestServer server, int count)
    {
        var agents = new List<HttpClient>();
        for (var i = 0; i < count; i++)
        {
            agents.Add(await server.EnrolledAsync($"w{i}"));
        }

        return agents;
    }

    /// <summary>A fleet scan; each agent's job id.</summary>
    private static async Task<string[]> ScanAsync(HttpClient admin, List<HttpClient> agents)
    {
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        var jobs = await Task.WhenAll(agents.Select(a => a.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")));
        return [.. jobs.Select(j => j.GetProperty("id").GetString()!)];
    }

    private static async Task AllDoneAsync(HttpClient admin)
    {
        var workers = await admin.GetFromJsonAsync<JsonElement>("admin/workers");
        Assert.All(workers.EnumerateArray(), w => Assert.Equal("done", w.GetProperty("lastScanStatus").GetString()));
    }

    private static ByteArrayContent Result(int i)
    {
        var inventory = new WorkerInventory($"w{i}", DateTimeOffset.UtcNow, [], [], [], EnvironmentFacts.Unknown);
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { inventory }, ReportJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 30_000, "the server did not get there in 30 s");
            await Task.Delay(10);
        }
    }

    /// <summary>A body sent but for its last byte, which waits for <see cref="Release"/>: the server reads it in its turn, waits.</summary>
    private sealed class HeldContent(ByteArrayContent inner) : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private volatile bool _started;

        public bool Started => _started;

        public void Release() => _release.SetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var bytes = await inner.ReadAsByteArrayAsync();
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length - 1));
            await stream.FlushAsync();
            _started = true;
            await _release.Task;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length - 1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
