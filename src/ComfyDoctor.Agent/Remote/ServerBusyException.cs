using System.Net;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The server (or a proxy before it) answered "not now": 429 or a 5xx. Transient, so the agent tries again — after the
/// answer's <c>Retry-After</c> when it has one, else after its own back-off.
/// </summary>
public sealed class ServerBusyException(HttpStatusCode status, TimeSpan? retryAfter)
    : HttpRequestException(
        $"the server answered {(int)status} {status}" + (retryAfter is { } wait ? $" (Retry-After {wait.TotalSeconds:0.#} s)" : ""),
        null,
        status
    )
{
    /// <summary>How long the server asked to be left alone; null when it did not say.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>A 429 or 5xx as a <see cref="ServerBusyException"/>; any other answer passes.</summary>
    public static void ThrowIfBusy(HttpResponseMessage response, TimeProvider time)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            throw new ServerBusyException(response.StatusCode, RetryAfterOf(response, time));
        }
    }

    /// <summary>The <c>Retry-After</c> header as a wait from now: seconds, or an HTTP date (a date in the past: no wait).</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider time) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
            { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
}
