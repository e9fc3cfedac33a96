namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The agent stops (SIGTERM) before finishing a job: it tells the server, which queues the job again for the agent's next
/// start instead of waiting for the lease to run out. A few seconds at most, so the stop stays prompt.
/// </summary>
internal static class JobRelease
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    public static async Task HandBackAsync(AgentHttp server, string jobId, string credential)
    {
        using var limit = new CancellationTokenSource(Limit, server.Options.Time);
        try
        {
            using var request = server.Request(HttpMethod.Post, $"jobs/{jobId}/release", credential);
            using var response = await server.Client.SendAsync(request, limit.Token);
            if (response.IsSuccessStatusCode)
            {
                AgentLog.HandedBack(server.Log, jobId);
            }
            else
            {
                AgentLog.NotTakenBack(server.Log, jobId, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            AgentLog.CouldNotHandBack(server.Log, jobId, e.Message);
        }
    }
}
