using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 speaking the agent protocol's first steps as a test scripts them: enrolment answers
/// come from <c>enroll</c> (given the attempt's number, from 1), the hello is welcomed, and the long poll for jobs never
/// answers (the agent then waits in it). Each enrolment attempt is recorded with the time of the test's clock.
/// </summary>
public sealed class StubControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _attempts;

    private StubControlPlane(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>When each enrolment attempt arrived, by the test's clock.</summary>
    public Channel<DateTimeOffset> Enrolments { get; } = Channel.CreateUnbounded<DateTimeOffset>();

    /// <summary>The Authorization header of each hello.</summary>
    public ConcurrentQueue<string> Hellos { get; } = new();

    public static async Task<StubControlPlane> StartAsync(TimeProvider time, Func<int, HttpContext, IResult> enroll)
    {
        StubControlPlane? stub = null;
        var (app, url) = await LoopbackServer.StartAsync(web =>
        {
            web.MapPost("/agent/v1/enroll", (HttpContext context) =>
            {
                stub!.Enrolments.Writer.TryWrite(time.GetUtcNow());
                return enroll(Interlocked.Increment(ref stub._attempts), context);
            });
            web.MapPost("/agent/v1/hello", (HttpContext context) =>
            {
                stub!.Hellos.Enqueue(context.Request.Headers.Authorization.ToString());
                return Results.Json(new { blobKey = "stub-blob-key" });
            });
            web.MapGet("/agent/v1/jobs/next", async (CancellationToken ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return Results.NoContent();
            });
        });
        stub = new StubControlPlane(app, url);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
