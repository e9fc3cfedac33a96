using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The worker side of the control plane: enrolls once (the credential is kept in the data folder, mode 0600, and the
/// enroll token is never sent again), then long-polls for jobs, runs them with <see cref="WorkerScanner"/>, streams
/// progress and delivers results. A lost connection is retried with exponential backoff up to
/// <see cref="AgentOptions.MaxBackoff"/>; a finished result is kept and re-sent until a server takes it, so a server
/// restart in the middle of a scan loses nothing.
/// </summary>
public sealed class AgentClient(HttpClient http, AgentOptions options)
{
    /// <summary>Runs until cancelled; throws <see cref="AgentRefusedException"/> when the server refuses this agent for good.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(ct);
                backoff = options.FirstBackoff;
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                options.Log?.Invoke($"server {options.Server} unreachable ({e.Message}); retrying in {backoff.TotalSeconds:0.#} s");
                await Task.Delay(backoff, ct);
                backoff = Next(backoff);
            }
        }
    }

    /// <summary>One long poll; runs the job it gets and delivers its result. Returns whether a job was run.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken ct)
    {
        var credential = await CredentialAsync(ct);
        using var request = Request(HttpMethod.Get, "jobs/next", credential);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return false;
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new AgentRefusedException($"{options.Server} does not accept this agent's credential ({AgentCredential.PathIn(options.DataDir)}); "
                + "delete that file and start the agent with an enroll token to enroll again");
        }

        response.EnsureSuccessStatusCode();
        var job = await response.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server sent an empty job");
        var result = await RunJobAsync(job, credential, ct);
        await DeliverAsync(job, result, credential, ct);
        return true;
    }

    private async Task<JobResult> RunJobAsync(AgentJob job, string credential, CancellationToken ct)
    {
        if (job.Kind != AgentProtocol.ScanJob)
        {
            return new JobResult(null, $"this agent does not know jobs of kind '{job.Kind}'");
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var scan = options.Scan with { Deep = job.Scan.Deep, WorkerName = options.Name };
            var progress = new ProgressPoster((p, token) => PostProgressAsync(job.Id, p, credential, token), options.ProgressInterval, done.Token);
            return new JobResult(await new WorkerScanner().ScanAsync(scan, progress, ct), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new JobResult(null, $"the scan failed: {e.Message}"); // the server records the failure; the agent carries on
        }
        finally
        {
            await done.CancelAsync();
        }
    }

    /// <summary>
    /// Posts the result until a server answers: taken (2xx), not ours any more (404: the job was finished elsewhere or
    /// its lease handed it on), or refused as invalid (4xx: the refusal is reported as the job's failure instead).
    /// </summary>
    private async Task DeliverAsync(AgentJob job, JobResult result, string credential, CancellationToken ct)
    {
        var backoff = options.FirstBackoff;
        while (true)
        {
            try
            {
                using var request = Request(HttpMethod.Post, $"jobs/{job.Id}/result", credential);
                request.Content = JsonContent.Create(result, options: ReportJson.Options);
                using var response = await http.SendAsync(request, ct);
                if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
                {
                    options.Log?.Invoke(response.IsSuccessStatusCode ? $"job {job.Id} done" : $"job {job.Id} is no longer this agent's; result dropped");
                    return;
                }

                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    var why = await response.Content.ReadAsStringAsync(ct);
                    options.Log?.Invoke($"job {job.Id}: the server refused the result ({(int)response.StatusCode}): {why}");
                    if (result.Inventory is null)
                    {
                        return;
                    }

                    result = new JobResult(null, $"the server refused the result ({(int)response.StatusCode}): {why}");
                    continue;
                }

                response.EnsureSuccessStatusCode();
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                options.Log?.Invoke($"job {job.Id}: result not delivered ({e.Message}); retrying in {backoff.TotalSeconds:0.#} s");
                await Task.Delay(backoff, ct);
                backoff = Next(backoff);
            }
        }
    }

    private async Task PostProgressAsync(string jobId, JobProgress progress, string credential, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, $"jobs/{jobId}/progress", credential);
        request.Content = JsonContent.Create(progress, options: ReportJson.Options);
        using var response = await http.SendAsync(request, ct);
    }

    /// <summary>The stored credential, or a new one from enrolling with the enroll token.</summary>
    private async Task<string> CredentialAsync(CancellationToken ct)
    {
        if (await AgentCredential.ReadAsync(options.DataDir, ct) is { Length: > 0 } stored)
        {
            return stored;
        }

        if (options.EnrollToken is null)
        {
            throw new AgentRefusedException($"no credential in {AgentCredential.PathIn(options.DataDir)} and no enroll token to get one");
        }

        using var response = await http.PostAsJsonAsync(new Uri(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/enroll"),
            new EnrollRequest(options.Name, options.Tags, options.EnrollToken), ReportJson.Options, ct);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            throw new AgentRefusedException($"enrolling '{options.Name}' at {options.Server} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        response.EnsureSuccessStatusCode();
        var enrolled = await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server answered the enrollment with nothing");
        await AgentCredential.WriteAsync(options.DataDir, enrolled.Credential, ct);
        options.Log?.Invoke($"enrolled as '{options.Name}'; credential stored in {AgentCredential.PathIn(options.DataDir)}");
        return enrolled.Credential;
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string credential)
    {
        var request = new HttpRequestMessage(method, new Uri(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/" + path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return request;
    }

    /// <summary>Connection refused or reset, a timeout, a 5xx: the server may be back soon.</summary>
    private static bool IsTransient(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or IOException;

    private TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
}
