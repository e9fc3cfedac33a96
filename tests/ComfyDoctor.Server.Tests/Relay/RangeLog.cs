namespace ComfyDoctor.Server.Tests.Relay;

/// <summary>Between the downloading agent and its real server: records each relayed download it asks for (the peer, and the
/// byte it resumes from), passing every request on untouched.</summary>
internal sealed class RangeLog() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<(string From, long Offset)> _asked = [];

    public IReadOnlyList<(string From, long Offset)> Asked
    {
        get
        {
            lock (_asked)
            {
                return [.. _asked];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        if (uri.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal) && uri.Query.StartsWith("?from=", StringComparison.Ordinal))
        {
            lock (_asked)
            {
                _asked.Add((Uri.UnescapeDataString(uri.Query["?from=".Length..]), request.Headers.Range?.Ranges.First().From ?? 0));
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
