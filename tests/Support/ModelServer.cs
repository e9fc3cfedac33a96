using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ComfyDoctor.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 serving one model's bytes in the ways sources misbehave:
/// <c>/good</c> (Range supported), <c>/flipped</c> (one byte changed), <c>/short</c> (half, honestly announced),
/// <c>/norange</c> (ignores Range), <c>/drop</c> (cuts the connection after the first half has arrived), <c>/stall</c> (half, then
/// silence).
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
        var ranges = new ConcurrentQueue<string>();
        var half = model.Length / 2;
        var (app, url) = await LoopbackServer.StartAsync(web =>
        {
            web.Use(
                async (context, next) =>
                {
                    ranges.Enqueue(context.Request.Headers.Range.ToString());
                    await next(context);
                }
            );
            web.MapGet("/good", () => Results.File(model, "application/octet-stream", enableRangeProcessing: true));
            web.MapGet("/flipped", () =>
            {
                var bad = (byte[])model.Clone();
                bad[^7] ^= 0x01;
                return Results.File(bad, "application/octet-stream", enableRangeProcessing: true);
            });
            web.MapGet("/short", () => Results.File(model[..half], "application/octet-stream"));
            web.MapGet("/norange", () => Results.File(model, "application/octet-stream", enableRangeProcessing: false));
            web.MapGet("/drop", async (HttpContext context) =>
            {
                context.Response.ContentLength = model.Length;
                await context.Response.Body.WriteAsync(model.AsMemory(0, half));
                await context.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(1)); // the client reads every byte sent before the reset discards what it has not
                context.Abort();
            });
            web.MapGet("/stall", async (HttpContext context) =>
            {
                context.Response.ContentLength = model.Length;
                await context.Response.Body.WriteAsync(model.AsMemory(0, half));
                await context.Response.Body.FlushAsync();
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { });
            });
        });
        return new ModelServer(app, url, ranges);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
