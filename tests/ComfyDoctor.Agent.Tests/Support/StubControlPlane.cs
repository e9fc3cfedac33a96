using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 speaking the agent protocol's first steps as a test scripts them: enrolment answers
/// come from <c>enroll</c> (given the attempt's number, from 1), the hello is welcomed, and the long poll for jobs never
/// answers (the agent then waits in it). Each enrolment attempt is recorded with the time of the test's clock.
/// </summary>
public sealed class StubControlPlane : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubControlPlane(WebApplication app, Uri url, Channel<DateTimeOffset> enrolments)
    {
        _app = app;
        Url = url;
        Enrolments = enrolments;
    }

    public Uri Url { get; }

    /// <summary>When each enrolment attempt arrived, by the test's clock.</summary>
    public Channel<DateTimeOffset> Enrolments { get; }

    public ConcurrentQueue<string> Hellos { get; } = new();

    public static async Task<StubControlPlane> StartAsync(TimeProvider time, Func<int, HttpContext, IResult> enroll)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1)); // a long poll still open does not hold the test
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var enrolments = Channel.CreateUnbounded<DateTimeOffset>();
        var attempts = 0;
        StubControlPlane? stub = null;
        app.MapPost("/agent/v1/enroll", (HttpContext context) =>
        {
            enrolments.Writer.TryWrite(time.GetUtcNow());
            return enroll(Interlocked.Increment(ref attempts), context);
        });
        app.MapPost("/agent/v1/hello", (HttpContext context) =>
        {
            stub!.Hellos.Enqueue(context.Request.Headers.Authorization.ToString());
            return Results.Json(new { blobKey = "stub-blob-key" });
        });
        app.MapGet("/agent/v1/jobs/next", async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Results.NoContent();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new StubControlPlane(app, new Uri(address + "/"), enrolments);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
