using System.Net;
using System.Net.Http.Headers;
using ComfyDoctor.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The agent's calls to <c>/agent/v1</c>: every request carries the agent's credential as a bearer token; an answer that
/// says "not you" (401, 403) ends the agent with <see cref="AgentRefusedException"/>, one that says "not now" (429, 5xx)
/// is a <see cref="ServerBusyException"/> for <see cref="AgentRetry"/>.
/// </summary>
internal sealed class AgentHttp(HttpClient http, AgentOptions options)
{
    public HttpClient Client => http;

    public AgentOptions Options => options;

    public ILogger Log => options.Logger;

    public Uri Route(string path) => new(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/" + path);

    public HttpRequestMessage Request(HttpMethod method, string path, string credential)
    {
        var request = new HttpRequestMessage(method, Route(path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return request;
    }

    /// <summary>
    /// Sends; the answer comes back only when it is neither a "not now" nor (unless <paramref name="refusalEndsAgent"/> is
    /// false) a refusal.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct, bool refusalEndsAgent = true)
    {
        var response = await http.SendAsync(request, ct);
        try
        {
            if (refusalEndsAgent)
            {
                ThrowIfRefused(response);
            }

            ServerBusyException.ThrowIfBusy(response, options.Time);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void ThrowIfRefused(HttpResponseMessage response)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new AgentRefusedException(
                $"{options.Server} does not accept this agent's credential ({AgentCredential.PathIn(options.DataDir)}); "
                    + "delete that file and start the agent with an enroll token to enroll again"
            );
        }
    }
}
