using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// A repair job's confirmed plan, as stored in its payload. On the wire a repair is <see cref="AgentProtocol.PlannedRepairJob"/>,
/// a kind agents that predate planned repairs do not know: they refuse it and change nothing, instead of planning it themselves.
/// </summary>
internal static class PlannedJobs
{
    /// <summary>The stored payload; null for a repair queued before plans were stored (it has no plan to run).</summary>
    public static PlannedRepairPayload? PayloadOf(JobRow job)
    {
        if (job.Kind != AgentProtocol.RepairJob)
        {
            return null;
        }

        var payload = JsonSerializer.Deserialize<PlannedRepairPayload>(job.PayloadJson, ReportJson.Options);
        return payload is { PlanId: not null, Plan: not null } ? payload : null;
    }

    /// <summary>
    /// Adds one worker's repair job carrying exactly its part of a confirmed plan (with the peers its actions name) and the scan
    /// row its verifying re-scan lands in; saved with the caller's changes.
    /// </summary>
    public static (JobRow Job, ScanRow Scan) Queue(
        ComfyDoctorDb db,
        RepairPlanRow confirmed,
        RepairPlans.WorkerPlan plan,
        bool deepScanFirst,
        IReadOnlyList<PeerEndpoint> endpoints,
        long now
    )
    {
        var named = plan
            .Plan.Actions.SelectMany(a => a.Sources)
            .Where(s => s.Kind == ModelSourceKinds.Peer)
            .Select(s => s.Name)
            .ToHashSet(StringComparer.Ordinal);
        var payload = new PlannedRepairPayload(
            confirmed.RepairId!,
            confirmed.Id,
            confirmed.Version,
            deepScanFirst,
            plan.Plan,
            RepairPolicy.DefaultDiskMargin,
            [.. endpoints.Where(e => named.Contains(e.Worker))]
        );
        var job = new JobRow
        {
            Id = Guid.NewGuid().ToString("N"),
            WorkerId = plan.WorkerId,
            Kind = AgentProtocol.RepairJob,
            Status = JobStatus.Queued,
            PayloadJson = JsonSerializer.Serialize(payload, ReportJson.Options),
            CreatedAt = now,
            UpdatedAt = now,
            RepairId = confirmed.RepairId,
            RequestedBy = confirmed.ConfirmedBy,
        };
        db.Jobs.Add(job);
        return (job, Scans.ScanJobs.AddScan(db, Guid.NewGuid().ToString("N"), job, deepScanFirst, now));
    }

    /// <summary>The job as an agent receives it; a repair without a stored plan goes out as a bare <c>repair</c> (refused).</summary>
    public static AgentJob ToAgentJob(JobRow job) =>
        PayloadOf(job) is { } payload
            ? new AgentJob(job.Id, AgentProtocol.PlannedRepairJob, null) { PlannedRepair = payload }
            : new AgentJob(job.Id, job.Kind, null);

    /// <summary>An agent's failure of a repair job, with what to do when the agent refused it as a kind it does not know.</summary>
    public static string Explain(JobRow job, string error) =>
        job.Kind == AgentProtocol.RepairJob && error.Contains($"'{AgentProtocol.PlannedRepairJob}'", StringComparison.Ordinal)
            ? $"refused by the worker's agent, which predates planned repairs ({error}); nothing was changed: "
                + "upgrade the agent, then confirm a fresh plan"
            : error;
}
