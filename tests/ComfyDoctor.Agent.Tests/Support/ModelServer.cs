using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 serving one model's bytes in the ways sources misbehave:
/// <c>/good</c> (Range supported), <c>/flipped</c> (one byte changed), <c>/short</c> (half, honestly announced),
/// <c>/norange</c> (ignores Range), <c>/drop</c> (cuts the connection after the first half has arrived), <c>/stall</c> (half, then silence).
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ModelServer(WebApplication app, Uri url, ConcurrentQueue<string> ranges)
    {
        _app = app;
        Url = url;
        Ranges = ranges;
    }

    public Uri Url { get; }

    /// <summary>The Range header of every request, in order ("" when none).</summary>
    public ConcurrentQueue<string> Ranges { get; }

    public Uri For(string path) => new(Url, path);

    public static async Task<ModelServer> StartAsync(byte[] model)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var ranges = new ConcurrentQueue<string>();
        var half = model.Length / 2;
        app.Use(async (context, next) =>
        {
            ranges.Enqueue(context.Request.Headers.Range.ToString());
            await next(context);
        });
        app.MapGet("/good", () => Results.File(model, "application/octet-stream", enableRangeProcessing: true));
        app.MapGet("/flipped", () =>
        {
            var bad = (byte[])model.Clone();
            bad[^7] ^= 0x01;
            return Results.File(bad, "application/octet-stream", enableRangeProcessing: true);
        });
        app.MapGet("/short", () => Results.File(model[..half], "application/octet-stream"));
        app.MapGet("/norange", () => Results.File(model, "application/octet-stream", enableRangeProcessing: false));
        app.MapGet("/drop", async (HttpContext context) =>
        {
            context.Response.ContentLength = model.Length;
            await context.Response.Body.WriteAsync(model.AsMemory(0, half));
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(1)); // the client reads every byte sent before the reset discards what it has not
            context.Abort();
        });
        app.MapGet("/stall", async (HttpContext context) =>
        {
            context.Response.ContentLength = model.Length;
            await context.Response.Body.WriteAsync(model.AsMemory(0, half));
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelServer(app, new Uri(address + "/"), ranges);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
