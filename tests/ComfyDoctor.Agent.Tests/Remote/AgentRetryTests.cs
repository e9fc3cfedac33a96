using System.Net;
using System.Net.Http.Headers;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ComfyDoctor.Agent.Tests.Remote;

/// <summary>
/// The agent's retries against a real HTTP server that says "not now", on a fake clock the test moves (no test waits for
/// real seconds): a <c>Retry-After</c> is honoured — and a 429 at enrolment is waited out, where the agent used to stop
/// for good —; without one, the waits are jittered and bounded by <see cref="AgentOptions.MaxBackoff"/>.
/// </summary>
public sealed class AgentRetryTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task An_enrolment_answered_not_now_is_tried_again_after_the_servers_retry_after(int status)
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await StubControlPlane.StartAsync(time, (attempt, context) =>
            attempt == 1 ? NotNow(context, status, "120") : Enrolled()
        );
        using var dir = new TempDir();
        var log = new RecordingLogger();
        var agent = new AgentClient(new HttpClient(), Options(server.Url, dir, time, log));
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);

        var first = await NextAsync(server, time, running);
        var second = await NextAsync(server, time, running);

        var said = Assert.Single(log.Entries, e => e.Id.Id == 11); // AgentLog.ServerBusy
        Assert.InRange((double)said.Fields["DelaySeconds"]!, 120, 132); // the server's 120 s, up to a tenth more as jitter
        Assert.True(second - first >= TimeSpan.FromSeconds(120), $"tried again after {(second - first).TotalSeconds} s of the clock");
        await UntilAsync(() => !server.Hellos.IsEmpty, running);
        Assert.Equal("Bearer enrolled-credential", server.Hellos.First()); // enrolled after all
        Assert.Equal("enrolled-credential", await File.ReadAllTextAsync(dir.Combine("agent-credential")));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task Without_retry_after_the_waits_are_jittered_and_never_longer_than_the_max_backoff()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await StubControlPlane.StartAsync(time, (attempt, context) =>
            attempt <= 8 ? NotNow(context, 503, null) : Enrolled()
        );
        using var dir = new TempDir();
        var log = new RecordingLogger();
        var agent = new AgentClient(new HttpClient(), Options(server.Url, dir, time, log));
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);

        var arrivals = new List<DateTimeOffset>();
        for (var i = 0; i < 9; i++)
        {
            arrivals.Add(await NextAsync(server, time, running, step: TimeSpan.FromMilliseconds(50)));
        }

        // AgentLog.ServerUnreachable
        var waits = log.Entries.Where(e => e.Id.Id == 10).Select(e => (double)e.Fields["DelaySeconds"]!).ToList();
        Assert.Equal(8, waits.Count);
        Assert.All(waits, w => Assert.InRange(w, 0.001, 4.0)); // MaxBackoff
        Assert.True(waits.Distinct().Count() > 1, $"jitter: the waits should differ ({string.Join(", ", waits)})");
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        // waited for real, on the test's clock
        Assert.All(gaps.Zip(waits), p => Assert.True(p.First >= p.Second - 0.001, $"waited {p.First} s of the clock, said {p.Second} s"));
        await UntilAsync(() => !server.Hellos.IsEmpty, running);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public void A_retry_after_given_as_a_date_is_the_wait_until_then_and_one_in_the_past_is_none()
    {
        var time = new FakeTimeProvider(Start);
        using var later = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        later.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(90));
        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(-5));
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromSeconds(90), ServerBusyException.RetryAfterOf(later, time));
        Assert.Equal(TimeSpan.Zero, ServerBusyException.RetryAfterOf(past, time));
        Assert.Null(ServerBusyException.RetryAfterOf(none, time));
    }

    private static AgentOptions Options(Uri server, TempDir dir, TimeProvider time, RecordingLogger log) =>
        new(
            server,
            "stub-enroll-token",
            "w1",
            [],
            dir.Path,
            new ScanOptions(dir.Combine("ComfyUI"), [], false, 1, dir.Combine("cache.json"), null, "w1")
        )
        {
            FirstBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(4),
            Time = time,
            Logger = log,
        };

    private static IResult NotNow(HttpContext context, int status, string? retryAfter)
    {
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return Results.StatusCode(status);
    }

    private static IResult Enrolled() => Results.Json(new { credential = "enrolled-credential" });

    /// <summary>The next enrolment attempt's arrival on the fake clock, moving the clock a step at a time until it comes.</summary>
    private static async Task<DateTimeOffset> NextAsync(StubControlPlane server, FakeTimeProvider time, Task running, TimeSpan? step = null)
    {
        for (var i = 0; i < 20_000; i++)
        {
            if (server.Enrolments.Reader.TryRead(out var at))
            {
                return at;
            }

            Assert.False(running.IsCompleted, $"the agent stopped: {running.Exception?.GetBaseException().Message}");
            time.Advance(step ?? TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        throw new TimeoutException("no enrolment attempt came");
    }

    private static async Task UntilAsync(Func<bool> condition, Task running)
    {
        for (var i = 0; i < 2_000 && !condition(); i++)
        {
            Assert.False(running.IsCompleted, $"the agent stopped: {running.Exception?.GetBaseException().Message}");
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
