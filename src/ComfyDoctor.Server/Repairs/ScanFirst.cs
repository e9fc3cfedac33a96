using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Jobs;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// A repair confirmed for a worker that never finished a scan cannot be planned yet, so its confirmation queues a scan job
/// carrying the repair's id (<see cref="RepairRequests.ConfirmAsync"/>). When that scan's report is stored, the worker's
/// part of the repair is planned from it — the confirmed request's scope, source and models — and its repair job queued
/// under the same repair id, in the scan result's transaction: the repair never looks ended in between, and a scan that
/// failed or a plan with nothing to do is audited, never silent. The waiting scan holds the worker's one active repair
/// (the unique index of migration 015), so no other repair of it can be queued meanwhile, on any replica.
/// </summary>
public sealed class ScanFirst(ComfyDoctorDb db, AuditTrail audit, RepairPlans plans, JobSignal signal)
{
    /// <summary>
    /// Follows a finished scan job that a repair waits for (nothing for any other job); runs inside the caller's transaction.
    /// <paramref name="report"/> is null when the scan failed. True when a repair job was queued (wake the agent after commit).
    /// </summary>
    public async Task<bool> FollowAsync(JobRow scan, string scanId, WorkerReport? report, ExpectedState? expected, CancellationToken ct)
    {
        if (scan.Kind != AgentProtocol.ScanJob || scan.RepairId is not { } repairId)
        {
            return false;
        }

        var worker = await db.Workers.AsNoTracking().FirstAsync(w => w.Id == scan.WorkerId, ct);
        var confirmed = await db.RepairPlans.AsNoTracking().FirstOrDefaultAsync(p => p.RepairId == repairId && p.AfterJobId == null, ct);
        var actor = scan.RequestedBy ?? confirmed?.ConfirmedBy ?? "unknown";
        var parameters = $"repair={repairId} after scan job={scan.Id}";
        if (confirmed is null || report is null || expected is null)
        {
            var why = confirmed is null
                ? $"its confirmed plan for repair {repairId} is gone"
                : $"the scan it waited for failed ({scan.Error}); scan again, then repair";
            await audit.AppendAsync(actor, "repair.request", worker.Name, parameters, "not run: " + why, ct);
            return false;
        }

        var (row, endpoints) = await plans.PlanAfterAsync(
            confirmed,
            worker,
            scanId,
            report,
            scan.Id,
            expected,
            $"server: after scan {scan.Id}",
            ct
        );
        if (row is null)
        {
            await audit.AppendAsync(
                actor,
                "repair.request",
                worker.Name,
                parameters,
                "nothing to repair: its scan found nothing fixable",
                ct
            );
            return false;
        }

        (row.RepairId, row.ConfirmedAt, row.ConfirmedBy) = (repairId, row.CreatedAt, actor);
        var (job, _) = PlannedJobs.Queue(db, row, RepairPlans.PlansOf(row)[0], deepScanFirst: false, endpoints, row.CreatedAt);
        await audit.AppendAsync(
            actor,
            "repair.request",
            worker.Name,
            $"{parameters} plan={row.Id} version={row.Version[..12]}",
            $"planned from scan {scanId}: {RepairPlans.PlansOf(row)[0].Plan.Actions.Count} action(s) queued as job {job.Id}",
            ct
        );
        return true;
    }

    /// <summary>Wakes the worker's agent for the repair job queued by <see cref="FollowAsync"/>, once it is committed.</summary>
    public void Wake(string workerId) => signal.Notify(workerId);
}
