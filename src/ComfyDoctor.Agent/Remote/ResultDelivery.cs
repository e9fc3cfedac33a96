using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// Posts a finished job's result until a server answers: taken (2xx), not ours any more (404: the job was finished
/// elsewhere or its lease handed it on), or refused as invalid (4xx: the refusal is reported as the job's failure
/// instead). A lost connection, a 429 or a 5xx is retried (<see cref="AgentRetry"/>), so a server restarting in the
/// middle of a job loses nothing.
/// </summary>
internal sealed class ResultDelivery(AgentHttp server)
{
    /// <summary>Results go without indentation: white space is no part of a worker's 100,000 model files.</summary>
    private static readonly JsonSerializerOptions CompactJson = new(ReportJson.Options) { WriteIndented = false };

    public async Task DeliverAsync(AgentJob job, JobResult result, string credential, CancellationToken ct)
    {
        var retry = AgentRetry.Create(server.Options, (e, wait) =>
            AgentLog.ResultNotDelivered(server.Log, job.Id, e.Message, wait.TotalSeconds)
        );
        while (
            await retry.ExecuteAsync(token => PostAsync(job.Id, result, credential, token), ct) is { } refusal
            && result.Inventory is not null
        )
        {
            result = new JobResult(null, refusal);
        }
    }

    /// <summary>One attempt: null when the server took the result or no longer wants it; else why it refused it.</summary>
    private async ValueTask<string?> PostAsync(string jobId, JobResult result, string credential, CancellationToken ct)
    {
        using var request = server.Request(HttpMethod.Post, $"jobs/{jobId}/result", credential);
        // Sent with its length and "Expect: 100-continue": a server whose limit it passes answers 413 and why before
        // a byte of it is sent (else the refusal of a 60 MiB body arrives as a broken pipe).
        request.Headers.ExpectContinue = true;
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(result, CompactJson));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await server.SendAsync(request, ct, refusalEndsAgent: false);
        if (response.IsSuccessStatusCode)
        {
            AgentLog.JobDone(server.Log, jobId);
            return null;
        }

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            AgentLog.JobNoLongerOurs(server.Log, jobId);
            return null;
        }

        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500)
        {
            var why = ProblemText.Of(await response.Content.ReadAsStringAsync(ct));
            AgentLog.ResultRefused(server.Log, jobId, status, why);
            return $"the server refused the result ({status}): {why}";
        }

        response.EnsureSuccessStatusCode(); // a redirect: not followed with a result in hand
        return null;
    }
}
