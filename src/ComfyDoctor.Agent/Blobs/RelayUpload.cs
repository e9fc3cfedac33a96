using System.Net.Http.Headers;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Blobs;

/// <summary>
/// Serves a peer through the server: streams a verified blob from the asked offset to <c>POST /agent/v1/relay/{id}</c>
/// (the server pipes it to the peer as it arrives, never holding it whole), or tells the server why it cannot.
/// </summary>
internal sealed class RelayUpload(HttpClient http, Uri server, string credential, VerifiedBlobs blobs)
{
    public async Task RunAsync(BlobUploadPayload upload, CancellationToken ct)
    {
        var (stream, problem) = blobs.Open(upload.Sha256);
        var path = $"{AgentProtocol.Prefix.TrimStart('/')}/relay/{Uri.EscapeDataString(upload.RelayId)}";
        using var request = new HttpRequestMessage(
            HttpMethod.Post,
            new Uri(server, stream is null ? path + "?problem=" + Uri.EscapeDataString(problem) : path)
        );
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        await using (stream)
        {
            if (stream is not null)
            {
                var offset = Math.Clamp(upload.Offset, 0, stream.Length);
                stream.Seek(offset, SeekOrigin.Begin);
                request.Content = new StreamContent(stream, 1 << 20);
                request.Content.Headers.ContentLength = stream.Length - offset;
                request.Headers.Add("X-Blob-Length", stream.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            try
            {
                using var response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException)
            {
                // the peer went away, or the server did: the peer's download fails over to its next source
            }
        }
    }
}
