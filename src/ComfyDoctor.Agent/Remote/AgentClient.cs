using System.Net;
using System.Net.Http.Json;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using Polly;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The worker side of the control plane, its job loop: enrols once (<see cref="Enrolment"/>), says hello
/// (<see cref="Greeting"/>), then long-polls for jobs and runs them (<see cref="JobRunner"/>) — scans and repairs one at a
/// time; while one runs it keeps polling for blob uploads only, so a peer's repair relayed through the server is served at
/// once. A lost connection, a 429 or a 5xx is retried with jittered back-off or after the server's <c>Retry-After</c>
/// (<see cref="AgentRetry"/>); a finished result is kept and re-sent until a server takes it (<see cref="ResultDelivery"/>).
/// </summary>
public sealed class AgentClient
{
    private readonly AgentHttp _server;
    private readonly Enrolment _enrolment;
    private readonly Greeting _greeting;
    private readonly JobRunner _jobs;
    private readonly ResiliencePipeline _reconnect;

    public AgentClient(HttpClient http, AgentOptions options)
    {
        _server = new AgentHttp(http, options);
        _enrolment = new Enrolment(_server);
        _greeting = new Greeting(_server);
        _jobs = new JobRunner(_server, new ResultDelivery(_server, _greeting));
        _reconnect = AgentRetry.Create(options, (e, wait) =>
        {
            if (e is ServerBusyException { RetryAfter: not null } busy)
            {
                AgentLog.ServerBusy(options.Logger, options.Server, (int)busy.StatusCode!, wait.TotalSeconds);
            }
            else
            {
                AgentLog.ServerUnreachable(options.Logger, options.Server, ServerConnection.Describe(e), wait.TotalSeconds);
            }
        });
    }

    /// <summary>The model files the latest scan verified: what the blob server and relay uploads serve.</summary>
    public VerifiedBlobs Blobs => _jobs.Blobs;

    /// <summary>The key the server signs this agent's blob tokens with (known after the hello).</summary>
    public string? BlobKey => _greeting.BlobKey;

    /// <summary>Runs until cancelled; throws <see cref="AgentRefusedException"/> when the server refuses this agent for good.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        Task? foreground = null;
        var uploads = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                foreground = await CollectAsync(foreground, ct);
                uploads.RemoveAll(t => t.IsCompleted);
                var claimed = await _reconnect.ExecuteAsync(token => PollBesideAsync(foreground, token), ct);
                if (claimed is not var (job, credential))
                {
                    continue;
                }

                var running = Task.Run(() => _jobs.RunAndDeliverAsync(job, credential, ct), ct);
                if (job.Kind == AgentProtocol.UploadBlobJob)
                {
                    uploads.Add(running);
                }
                else
                {
                    foreground = running;
                }
            }
        }
        finally
        {
            await Task.WhenAll(
                uploads.Append(foreground ?? Task.CompletedTask).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))
            );
        }
    }

    /// <summary>One long poll; runs the job it gets and delivers its result. Returns whether a job was run.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken ct)
    {
        var credential = await _enrolment.CredentialAsync(ct);
        var job = await NextAsync(credential, null, ct);
        if (job is null)
        {
            return false;
        }

        await _jobs.RunAndDeliverAsync(job, credential, ct);
        return true;
    }

    /// <summary>The foreground job once it has ended (null then); a refused agent stops here, any other failure is logged.</summary>
    private async Task<Task?> CollectAsync(Task? foreground, CancellationToken ct)
    {
        if (foreground is not { IsCompleted: true })
        {
            return foreground;
        }

        try
        {
            await foreground;
        }
        catch (Exception e) when (e is not AgentRefusedException && !ct.IsCancellationRequested)
        {
            AgentLog.JobCrashed(_server.Log, e.Message, e);
        }

        return null;
    }

    /// <summary>
    /// A poll for any job when idle; beside a running job, a poll for blob uploads that ends (null) when that job does.
    /// </summary>
    private async ValueTask<(AgentJob Job, string Credential)?> PollBesideAsync(Task? busy, CancellationToken ct)
    {
        var credential = await _enrolment.CredentialAsync(ct);
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var polling = NextAsync(credential, busy is null ? null : AgentProtocol.UploadBlobJob, poll.Token);
        if (busy is not null && await Task.WhenAny(polling, busy) == busy)
        {
            await poll.CancelAsync(); // free again: poll for everything
        }

        try
        {
            return await polling is { } job ? (job, credential) : null;
        }
        catch (OperationCanceledException) when (poll.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null; // the foreground job finished during the poll
        }
    }

    private async Task<AgentJob?> NextAsync(string credential, string? onlyKind, CancellationToken ct)
    {
        await _greeting.EnsureAsync(credential, ct);
        var path = onlyKind is null ? "jobs/next" : $"jobs/next?{AgentProtocol.KindsQuery}={onlyKind}";
        using var request = _server.Request(HttpMethod.Get, path, credential);
        using var response = await _server.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server sent an empty job", null, HttpStatusCode.OK);
    }
}
