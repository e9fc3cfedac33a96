using System.Net.Http.Headers;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Blobs;

/// <summary>
/// Serves a peer through the server: streams a verified blob from the asked offset to <c>POST /agent/v1/relay/{id}</c>
/// (the server pipes it to the peer as it arrives, never holding it whole), or tells the server why it cannot — also when
/// the upload itself broke off, so the peer's download fails over at once instead of waiting for the server's patience.
/// </summary>
internal sealed class RelayUpload(HttpClient http, Uri server, string credential, VerifiedBlobs blobs)
{
    public async Task RunAsync(BlobUploadPayload upload, CancellationToken ct)
    {
        var (stream, problem) = blobs.Open(upload.Sha256);
        if (stream is null)
        {
            await SendAsync(upload.RelayId, null, 0, problem, ct);
        }
        else if (await SendAsync(upload.RelayId, stream, upload.Offset, null, ct) is { } broke)
        {
            await SendAsync(upload.RelayId, null, 0, $"the upload broke off ({broke})", ct);
        }
    }

    /// <summary>The blob from <paramref name="offset"/>, or the <paramref name="problem"/>; why the request failed, or null.</summary>
    private async Task<string?> SendAsync(string relayId, Stream? stream, long offset, string? problem, CancellationToken ct)
    {
        var path = $"{AgentProtocol.Prefix.TrimStart('/')}/relay/{Uri.EscapeDataString(relayId)}";
        using var request = new HttpRequestMessage(
            HttpMethod.Post,
            new Uri(server, problem is null ? path : path + "?problem=" + Uri.EscapeDataString(problem))
        );
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        await using (stream)
        {
            if (stream is not null)
            {
                var from = Math.Clamp(offset, 0, stream.Length);
                stream.Seek(from, SeekOrigin.Begin);
                request.Content = new StreamContent(stream, 1 << 20);
                request.Content.Headers.ContentLength = stream.Length - from;
                request.Headers.Add("X-Blob-Length", stream.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            try
            {
                using var response = await http.SendAsync(request, ct);
                return null;
            }
            catch (HttpRequestException e)
            {
                // the peer went away, or the server did, or this connection: the peer's download fails over to its next source
                return e.Message;
            }
        }
    }
}
