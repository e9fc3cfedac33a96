using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ComfyDoctor.Cli.Output;

/// <summary>
/// A repair's server-sent events (<c>GET /admin/repairs/{id}/events</c>), read with <see cref="SseParser"/> to the
/// <c>done</c> event. A connection that drops or ends before it (a proxy's idle timeout, a replica restarting) is opened
/// again after the stream's <c>retry:</c> interval with <c>Last-Event-ID</c>, and the server goes on after the last event
/// read: none is lost, none comes twice. Gives up after <see cref="MaxReconnects"/> attempts in a row that bring no event.
/// </summary>
public static class RepairEventStream
{
    public const int MaxReconnects = 5;

    public static async IAsyncEnumerable<SseItem<JsonElement>> ReadAsync(
        HttpClient http,
        string repairId,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        var path = $"admin/repairs/{Uri.EscapeDataString(repairId)}/events";
        string? lastEventId = null;
        var retry = TimeSpan.FromSeconds(1);
        var fruitless = 0;
        Exception? why = null;
        while (fruitless <= MaxReconnects)
        {
            using (var response = await OpenAsync(http, path, lastEventId, ct))
            {
                if (response is not null)
                {
                    var body = await response.Content.ReadAsStreamAsync(ct);
                    var parser = SseParser.Create(body, (_, data) => JsonSerializer.Deserialize<JsonElement>(data));
                    await using var events = parser.EnumerateAsync(ct).GetAsyncEnumerator(ct);
                    while (await NextAsync(events) is { } item)
                    {
                        fruitless = 0;
                        lastEventId = parser.LastEventId is { Length: > 0 } id ? id : lastEventId;
                        retry =
                            parser.ReconnectionInterval > TimeSpan.Zero && parser.ReconnectionInterval != Timeout.InfiniteTimeSpan
                                ? parser.ReconnectionInterval
                                : retry;
                        yield return item;
                        if (item.EventType == "done")
                        {
                            yield break;
                        }
                    }
                }
            }

            fruitless++;
            await Task.Delay(retry, ct);
        }

        throw new IOException($"the server ended the event stream before the repair finished, {MaxReconnects} times in a row", why);

        // The next event; null when the connection dropped or the server ended the stream.
        async Task<SseItem<JsonElement>?> NextAsync(IAsyncEnumerator<SseItem<JsonElement>> events)
        {
            try
            {
                return await events.MoveNextAsync() ? events.Current : null;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                why = e;
                return null;
            }
        }

        // The stream opened (resumed after lastEventId); null when the server could not be reached or answered 5xx. A 4xx is final.
        async Task<HttpResponseMessage?> OpenAsync(HttpClient client, string route, string? after, CancellationToken token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, route);
            if (after is not null)
            {
                request.Headers.Add("Last-Event-ID", after);
            }

            try
            {
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                var status = response.StatusCode;
                response.Dispose();
                throw new HttpRequestException($"the event stream of repair {repairId}: {(int)status} {status}", null, status);
            }
            catch (Exception e)
                when (e is IOException or HttpRequestException { StatusCode: null or >= HttpStatusCode.InternalServerError }
                    && !token.IsCancellationRequested
                )
            {
                why = e;
                return null;
            }
        }
    }
}
