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
/// middle of a job loses nothing. When the server accepts it, a scan's models go as a change against the last result it
/// took from this agent (<see cref="ModelListDelta"/>, issue 20.4); a server that no longer holds that base asks for every
/// model (<c>result-base-unknown</c>) and gets them. The base lives in memory: an agent's first result after a start is whole.
/// </summary>
internal sealed class ResultDelivery(AgentHttp server, Greeting greeting)
{
    /// <summary>Results go without indentation: white space is no part of a worker's 100,000 model files.</summary>
    private static readonly JsonSerializerOptions CompactJson = new(ReportJson.Options) { WriteIndented = false };

    private const string BaseUnknown = ProblemText.TypePrefix + "result-base-unknown";

    /// <summary>The models of the last result the server stored, as fingerprints, and its job.</summary>
    private (string Job, IReadOnlyList<ModelListDelta.Print> Prints)? _base;

    public async Task DeliverAsync(AgentJob job, JobResult result, string credential, CancellationToken ct)
    {
        var retry = AgentRetry.Create(server.Options, (e, wait) =>
            AgentLog.ResultNotDelivered(server.Log, job.Id, e.Message, wait.TotalSeconds)
        );
        var prints = result.Inventory is { } inventory ? ModelListDelta.PrintsOf(inventory.Models) : null;
        var sent = AsChange(result, prints);
        while (true)
        {
            var answer = await retry.ExecuteAsync(token => PostAsync(job.Id, sent, credential, token), ct);
            if (answer.Stored)
            {
                _base = prints is null ? _base : (job.Id, prints);
                return;
            }

            if (answer.Refusal is not { } refusal)
            {
                return; // not ours any more
            }

            if (answer.Type == BaseUnknown && sent.ModelsDelta is not null)
            {
                AgentLog.ResultBaseUnknown(server.Log, job.Id, refusal);
                (_base, sent) = (null, result);
                continue;
            }

            if (result.Inventory is null)
            {
                return; // the refusal of a failure report is not reported again
            }

            (result, prints) = (new JobResult(null, refusal), null);
            sent = result;
        }
    }

    /// <summary>The result with its models as a change against the stored base, when the server accepts that and it is
    /// much smaller; else the result itself.</summary>
    private JobResult AsChange(JobResult result, IReadOnlyList<ModelListDelta.Print>? prints)
    {
        if (
            result.Inventory is not { } inventory
            || prints is null
            || _base is not { } stored
            || !greeting.Accepts.Contains(ServerFeatures.InventoryDelta)
            || ModelListDelta.Diff(stored.Job, stored.Prints, inventory.Models, prints) is not { } delta
        )
        {
            return result;
        }

        return result with
        {
            Inventory = inventory with { Models = [] },
            ModelsDelta = delta,
        };
    }

    private sealed record Answer(bool Stored, string? Refusal = null, string? Type = null);

    /// <summary>One attempt: stored, not wanted any more (no refusal), or refused and why.</summary>
    private async ValueTask<Answer> PostAsync(string jobId, JobResult result, string credential, CancellationToken ct)
    {
        using var request = server.Request(HttpMethod.Post, $"jobs/{jobId}/result", credential);
        // Sent with its length and "Expect: 100-continue": a server whose limit it passes answers 413 and why before
        // a byte of it is sent (else the refusal of a 60 MiB body arrives as a broken pipe).
        request.Headers.ExpectContinue = true;
        var body = JsonSerializer.SerializeToUtf8Bytes(result, CompactJson);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await server.SendAsync(request, ct, refusalEndsAgent: false);
        if (response.IsSuccessStatusCode)
        {
            AgentLog.JobDone(server.Log, jobId, body.Length, result.ModelsDelta is null ? "whole" : "as a change");
            return new Answer(true);
        }

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            AgentLog.JobNoLongerOurs(server.Log, jobId);
            return new Answer(false);
        }

        var status = (int)response.StatusCode;
        if (status is >= 400 and < 500)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var why = ProblemText.Of(text);
            AgentLog.ResultRefused(server.Log, jobId, status, why);
            return new Answer(false, $"the server refused the result ({status}): {why}", ProblemText.TypeOf(text));
        }

        response.EnsureSuccessStatusCode(); // a redirect: not followed with a result in hand
        return new Answer(false);
    }
}
