using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The worker side of the control plane: enrolls once (the credential is kept in the data folder, mode 0600, and the
/// enroll token is never sent again), says hello (where its blob server listens, if it does), then long-polls for jobs
/// and runs them — scans and repairs one at a time; while one runs it keeps polling for blob uploads only, so a peer's
/// repair relayed through the server is served at once. Progress is streamed; a progress post answered 409 cancels the
/// job. A lost connection is retried with exponential backoff up to <see cref="AgentOptions.MaxBackoff"/>; a finished
/// result is kept and re-sent until a server takes it, so a server restart in the middle of a job loses nothing.
/// </summary>
public sealed class AgentClient(HttpClient http, AgentOptions options)
{
    /// <summary>Results go without indentation: white space is no part of a worker's 100,000 model files.</summary>
    private static readonly JsonSerializerOptions CompactJson = new(ReportJson.Options) { WriteIndented = false };

    private bool _greeted;

    /// <summary>The model files the latest scan verified: what the blob server and relay uploads serve.</summary>
    public VerifiedBlobs Blobs { get; } = new();

    /// <summary>The key the server signs this agent's blob tokens with (known after the hello).</summary>
    public string? BlobKey { get; private set; }

    /// <summary>Runs until cancelled; throws <see cref="AgentRefusedException"/> when the server refuses this agent for good.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.FirstBackoff;
        Task? foreground = null;
        var uploads = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (foreground is { IsCompleted: true })
                {
                    try
                    {
                        await foreground; // a refused agent stops here
                    }
                    catch (Exception e) when (e is not AgentRefusedException && !ct.IsCancellationRequested)
                    {
                        options.Log?.Invoke($"a job ended with an error the agent did not expect: {e.Message}");
                    }

                    foreground = null;
                }

                uploads.RemoveAll(t => t.IsCompleted);
                try
                {
                    var credential = await CredentialAsync(ct);
                    var job = await PollBesideAsync(credential, foreground, ct);
                    backoff = options.FirstBackoff;
                    if (job is null)
                    {
                        continue;
                    }

                    var running = Task.Run(() => RunAndDeliverAsync(job, credential, ct), ct);
                    if (job.Kind == AgentProtocol.UploadBlobJob)
                    {
                        uploads.Add(running);
                    }
                    else
                    {
                        foreground = running;
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // the foreground job finished during the poll
                }
                catch (Exception e) when (IsTransient(e, ct))
                {
                    options.Log?.Invoke($"server {options.Server} unreachable ({ServerConnection.Describe(e)}); retrying in {backoff.TotalSeconds:0.#} s");
                    await Task.Delay(backoff, ct);
                    backoff = Next(backoff);
                }
            }
        }
        finally
        {
            await Task.WhenAll(uploads.Append(foreground ?? Task.CompletedTask).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>A poll for any job when idle; beside a running job, a poll for blob uploads that ends when that job does.</summary>
    private async Task<AgentJob?> PollBesideAsync(string credential, Task? busy, CancellationToken ct)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var polling = NextAsync(credential, busy is null ? null : AgentProtocol.UploadBlobJob, poll.Token);
        if (busy is not null && await Task.WhenAny(polling, busy) == busy)
        {
            await poll.CancelAsync(); // free again: poll for everything
        }

        return await polling;
    }

    /// <summary>One long poll; runs the job it gets and delivers its result. Returns whether a job was run.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken ct)
    {
        var credential = await CredentialAsync(ct);
        var job = await NextAsync(credential, null, ct);
        if (job is null)
        {
            return false;
        }

        await RunAndDeliverAsync(job, credential, ct);
        return true;
    }

    private async Task<AgentJob?> NextAsync(string credential, string? onlyKind, CancellationToken ct)
    {
        await HelloAsync(credential, ct);
        using var request = Request(HttpMethod.Get, onlyKind is null ? "jobs/next" : $"jobs/next?{AgentProtocol.KindsQuery}={onlyKind}", credential);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        ThrowIfRefused(response);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server sent an empty job");
    }

    /// <summary>Once per run: tells the server where this agent's blob server listens and learns the key of its tokens.</summary>
    private async Task HelloAsync(string credential, CancellationToken ct)
    {
        if (_greeted)
        {
            return;
        }

        using var request = Request(HttpMethod.Post, "hello", credential);
        request.Content = JsonContent.Create(
            new AgentHello(options.ListenUrl?.ToString(), options.Build.Version, options.Build.Commit, options.Build.Os, options.Build.Arch),
            options: ReportJson.Options);
        using var response = await http.SendAsync(request, ct);
        ThrowIfRefused(response);
        response.EnsureSuccessStatusCode();
        BlobKey = (await response.Content.ReadFromJsonAsync<AgentWelcome>(ReportJson.Options, ct))?.BlobKey;
        _greeted = true;
    }

    private async Task RunAndDeliverAsync(AgentJob job, string credential, CancellationToken ct)
    {
        if (job.Kind == AgentProtocol.UploadBlobJob && job.Upload is { } upload)
        {
            await new RelayUpload(http, options.Server, credential, Blobs).RunAsync(upload, ct);
            return;
        }

        var result = await RunJobAsync(job, credential, ct);
        await DeliverAsync(job, result, credential, ct);
    }

    private async Task<JobResult> RunJobAsync(AgentJob job, string credential, CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poster = new ProgressPoster((p, token) => PostProgressAsync(job.Id, p, credential, cancel, token), options.ProgressInterval, done.Token);
        var scan = options.Scan with { WorkerName = options.Name };
        try
        {
            switch (job)
            {
                case { Kind: AgentProtocol.ScanJob, Scan: { } payload }:
                    var inventory = await new WorkerScanner().ScanAsync(scan with { Deep = payload.Deep }, poster.ForScan("hashing"), cancel.Token);
                    Blobs.Update(inventory);
                    return new JobResult(inventory, null);
                case { Kind: AgentProtocol.RepairJob }:
                    return new JobResult(null, RepairRunner.Unplanned);
                case { Kind: AgentProtocol.PlannedRepairJob, PlannedRepair: { } repair }:
                    var locator = new SourceLocator(options.Repair.Headers, repair.PeerEndpoints, options.Server, credential);
                    var result = await new RepairRunner(http, options.Repair, scan).RunAsync(repair, locator, poster, poster.ReportNow, cancel.Token, ct);
                    Blobs.Update(result.Inventory!);
                    return result;
                default:
                    return new JobResult(null, $"this agent does not know jobs of kind '{job.Kind}'");
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new JobResult(null, "cancelled by an admin before anything was changed");
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            await HandBackAsync(job.Id, credential); // the agent is stopping (SIGTERM): the job is queued again for its next start
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new JobResult(null, $"the {job.Kind} failed: {e.Message}"); // the server records the failure; the agent carries on
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
                // Sent with its length and "Expect: 100-continue": a server whose limit it passes answers 413 and why before
                // a byte of it is sent (else the refusal of a 60 MiB body arrives as a broken pipe).
                request.Headers.ExpectContinue = true;
                request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(result, CompactJson));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.SendAsync(request, ct);
                if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
                {
                    options.Log?.Invoke(response.IsSuccessStatusCode ? $"job {job.Id} done" : $"job {job.Id} is no longer this agent's; result dropped");
                    return;
                }

                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    var why = ProblemText.Of(await response.Content.ReadAsStringAsync(ct));
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

    /// <summary>Tells the server this agent stops before finishing the job; a few seconds at most, so the stop stays prompt.</summary>
    private async Task HandBackAsync(string jobId, string credential)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var request = Request(HttpMethod.Post, $"jobs/{jobId}/release", credential);
            using var response = await http.SendAsync(request, limit.Token);
            options.Log?.Invoke(response.IsSuccessStatusCode ? $"job {jobId} handed back to the server: the agent is stopping"
                : $"job {jobId}: the server did not take it back ({(int)response.StatusCode}); it is offered again when its lease runs out");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            options.Log?.Invoke($"job {jobId}: could not hand it back ({e.Message}); it is offered again when its lease runs out");
        }
    }

    private async Task PostProgressAsync(string jobId, JobProgress progress, string credential, CancellationTokenSource cancel, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, $"jobs/{jobId}/progress", credential);
        request.Content = JsonContent.Create(progress, options: ReportJson.Options);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            options.Log?.Invoke($"job {jobId}: cancelled by an admin");
            await cancel.CancelAsync();
        }
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
            new EnrollRequest(options.Name, options.Tags, options.EnrollToken, options.AutoRepair), ReportJson.Options, ct);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            var why = ProblemText.Of(await response.Content.ReadAsStringAsync(ct));
            throw new AgentRefusedException($"enrolling '{options.Name}' at {options.Server} was refused: {(int)response.StatusCode} {why}");
        }

        response.EnsureSuccessStatusCode();
        var enrolled = await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server answered the enrollment with nothing");
        await AgentCredential.WriteAsync(options.DataDir, enrolled.Credential, ct);
        options.Log?.Invoke($"enrolled as '{options.Name}'; credential stored in {AgentCredential.PathIn(options.DataDir)}");
        return enrolled.Credential;
    }

    private void ThrowIfRefused(HttpResponseMessage response)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new AgentRefusedException($"{options.Server} does not accept this agent's credential ({AgentCredential.PathIn(options.DataDir)}); "
                + "delete that file and start the agent with an enroll token to enroll again");
        }
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
