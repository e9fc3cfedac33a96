using System.Net;
using System.Net.Http.Json;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// Runs one job the server gave this agent and delivers its result: a scan, a repair, or a blob upload for a peer. Its
/// progress is streamed (<see cref="ProgressPoster"/>); a progress post answered 409 means an admin cancelled the job.
/// A job the agent did not expect to fail is reported as failed and the agent carries on; one cut by the agent's stop is
/// handed back (<see cref="JobRelease"/>).
/// </summary>
internal sealed class JobRunner(AgentHttp server, ResultDelivery delivery)
{
    /// <summary>The model files the latest scan verified: what the blob server and relay uploads serve.</summary>
    public VerifiedBlobs Blobs { get; } = new();

    public async Task RunAndDeliverAsync(AgentJob job, string credential, CancellationToken ct)
    {
        if (job.Kind == AgentProtocol.UploadBlobJob && job.Upload is { } upload)
        {
            await new RelayUpload(server.Client, server.Options.Server, credential, Blobs).RunAsync(upload, ct);
            return;
        }

        AgentLog.JobStarted(server.Log, job.Id, job.Kind);
        var result = await RunAsync(job, credential, ct);
        await delivery.DeliverAsync(job, result, credential, ct);
    }

    private async Task<JobResult> RunAsync(AgentJob job, string credential, CancellationToken ct)
    {
        var options = server.Options;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poster = new ProgressPoster(
            (p, token) => PostProgressAsync(job.Id, p, credential, cancel, token),
            options.ProgressInterval,
            options.Time,
            done.Token
        );
        var scan = options.Scan with { WorkerName = options.Name };
        try
        {
            switch (job)
            {
                case { Kind: AgentProtocol.ScanJob, Scan: { } payload }:
                    var inventory = await new WorkerScanner().ScanAsync(
                        scan with
                        {
                            Deep = payload.Deep,
                        },
                        poster.ForScan("hashing"),
                        cancel.Token
                    );
                    Blobs.Update(inventory);
                    return new JobResult(inventory, null);
                case { Kind: AgentProtocol.RepairJob }:
                    return new JobResult(null, RepairRunner.Unplanned);
                case { Kind: AgentProtocol.PlannedRepairJob, PlannedRepair: { } repair }:
                    var locator = new SourceLocator(options.Repair.Headers, repair.PeerEndpoints, options.Server, credential);
                    var result = await new RepairRunner(server.Client, options.Repair, scan).RunAsync(
                        repair,
                        locator,
                        poster,
                        poster.ReportNow,
                        cancel.Token,
                        ct
                    );
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
            await JobRelease.HandBackAsync(server, job.Id, credential); // the agent is stopping: the job is queued again for its next start
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

    private async Task PostProgressAsync(
        string jobId,
        JobProgress progress,
        string credential,
        CancellationTokenSource cancel,
        CancellationToken ct
    )
    {
        using var request = server.Request(HttpMethod.Post, $"jobs/{jobId}/progress", credential);
        request.Content = JsonContent.Create(progress, options: ReportJson.Options);
        using var response = await server.Client.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            AgentLog.CancelledByAdmin(server.Log, jobId);
            await cancel.CancelAsync();
        }
    }
}
