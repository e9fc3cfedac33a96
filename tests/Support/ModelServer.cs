using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ComfyDoctor.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 serving one model's bytes in the ways sources misbehave:
/// <c>/good</c> (Range supported), <c>/flipped</c> (one byte changed), <c>/short</c> (half, honestly announced),
/// <c>/norange</c> (ignores Range), <c>/drop</c> (cuts the connection after the first half has arrived), <c>/stall</c> (half, then
/// silence), <c>/slow</c> (all of it, honouring Range, 64 KiB at a time with a pause between: a transfer a test can cut, kill
/// or cancel mid-way).
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private const int SlowChunk = 65536;

    private ModelServer(WebApplication app, Uri url, ConcurrentQueue<string> ranges, ConcurrentQueue<long> starts)
    {
        _app = app;
        Url = url;
        Ranges = ranges;
        Starts = starts;
    }

    public Uri Url { get; }

    /// <summary>The Range header of every request, in order ("" when none).</summary>
    public ConcurrentQueue<string> Ranges { get; }

    /// <summary>The first byte every request asked for, in order (0 without a Range header).</summary>
    public ConcurrentQueue<long> Starts { get; }

    /// <summary><c>/slow</c>: where a test's registry points for a transfer that takes a while.</summary>
    public Uri Slow => For("slow");

    public Uri For(string path) => new(Url, path);

    /// <summary>Starts the server; <paramref name="slowPause"/> is the pause after each 64 KiB of <c>/slow</c> (default 4 ms).</summary>
    public static async Task<ModelServer> StartAsync(byte[] model, TimeSpan? slowPause = null)
    {
        var ranges = new ConcurrentQueue<string>();
        var starts = new ConcurrentQueue<long>();
        var pause = slowPause ?? TimeSpan.FromMilliseconds(4);
        var half = model.Length / 2;
        var (app, url) = await LoopbackServer.StartAsync(web =>
        {
            web.Use(
                async (context, next) =>
                {
                    ranges.Enqueue(context.Request.Headers.Range.ToString());
                    starts.Enqueue(FirstByte(context.Request));
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
            web.MapGet("/slow", (HttpContext context) => SlowAsync(context, model, pause));
            web.MapGet("/refused", () => Results.Problem("worker gpu-02 offers 9 bytes,\nthe registry says 8", statusCode: 502));
            web.MapGet("/error-page", () => Results.Content("<html><body>secret stack trace</body></html>", "text/html", null, 500));
        });
        return new ModelServer(app, url, ranges, starts);
    }

    private static long FirstByte(HttpRequest request) =>
        RangeHeaderValue.TryParse(request.Headers.Range.ToString(), out var range) && range.Ranges.First().From is { } from ? from : 0;

    private static async Task SlowAsync(HttpContext context, byte[] model, TimeSpan pause)
    {
        var from = FirstByte(context.Request);
        if (from > 0)
        {
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {from}-{model.Length - 1}/{model.Length}";
        }

        context.Response.ContentLength = model.Length - from;
        for (var offset = from; offset < model.Length; offset += SlowChunk)
        {
            await context.Response.Body.WriteAsync(
                model.AsMemory((int)offset, (int)Math.Min(SlowChunk, model.Length - offset)),
                context.RequestAborted
            );
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(pause, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
