using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ComfyDoctor.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 that serves one file slowly (64 KiB every few ms), honouring Range requests.</summary>
internal sealed class SlowModelSource : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SlowModelSource(WebApplication app, Uri url, ConcurrentQueue<long> starts)
    {
        _app = app;
        Url = url;
        Starts = starts;
    }

    public Uri Url { get; }

    /// <summary>The first byte each request asked for (0 without a Range header).</summary>
    public ConcurrentQueue<long> Starts { get; }

    public static async Task<SlowModelSource> StartAsync(byte[] content, TimeSpan perChunk)
    {
        var starts = new ConcurrentQueue<long>();
        var (app, url) = await LoopbackServer.StartAsync(web => web.MapGet("/model", async (HttpContext context) =>
            {
                long from = 0;
                if (
                    RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range)
                    && range.Ranges.First().From is { } start
                )
                {
                    from = start;
                    context.Response.StatusCode = StatusCodes.Status206PartialContent;
                    context.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
                }

                starts.Enqueue(from);
                context.Response.ContentLength = content.Length - from;
                for (var offset = from; offset < content.Length; offset += 65536)
                {
                    await context.Response.Body.WriteAsync(
                        content.AsMemory((int)offset, (int)Math.Min(65536, content.Length - offset)),
                        context.RequestAborted
                    );
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(perChunk, context.RequestAborted);
                }
            }));
        return new SlowModelSource(app, new Uri(url, "model"), starts);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
