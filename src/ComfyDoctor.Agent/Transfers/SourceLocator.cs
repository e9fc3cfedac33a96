using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Turns a planned source into what to fetch: a URL or mirror as it is, with the configured headers of its host (gated
/// hosts); a peer worker directly at its blob server when it listens, then relayed through the server. Nothing from the
/// network becomes a local path: a peer is asked for a SHA-256, and only file URLs a mirror was configured with are read.
/// </summary>
public sealed class SourceLocator(SourceHeaders headers, IReadOnlyList<PeerEndpoint> peers, Uri? server, string? credential)
{
    public static SourceLocator Plain(SourceHeaders headers) => new(headers, [], null, null);

    public IEnumerable<TransferSource> Locate(ModelSource source)
    {
        if (source.Kind != ModelSourceKinds.Peer)
        {
            if (Uri.TryCreate(source.Location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file")
            {
                yield return new TransferSource(uri, headers.For(uri));
            }

            yield break;
        }

        var sha = source.Location.ToLowerInvariant();
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            yield break;
        }

        var peer = peers.FirstOrDefault(p => p.Worker == source.Name);
        if (peer is { DirectUrl: { } direct, Token: { } token } && Uri.TryCreate(direct, UriKind.Absolute, out var directUri))
        {
            yield return new TransferSource(
                new Uri(directUri, $"blobs/{sha}"),
                new Dictionary<string, string> { ["Authorization"] = "Bearer " + token }
            );
        }

        if (server is not null && credential is not null)
        {
            yield return new TransferSource(
                new Uri(server, $"{AgentProtocol.Prefix.TrimStart('/')}/blobs/{sha}?from={Uri.EscapeDataString(source.Name)}"),
                new Dictionary<string, string> { ["Authorization"] = "Bearer " + credential }
            );
        }
    }
}
