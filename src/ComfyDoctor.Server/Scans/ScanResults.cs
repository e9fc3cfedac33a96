using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Scans;

/// <summary>
/// Turns an agent's result into a stored report: the inventory is judged here, once, against the registry
/// (<c>Diagnose(expected, inventory)</c>, plus <see cref="AgentRules"/> on the version the agent said in its hello), and the report is
/// stored in the scan row, its models and findings as rows of
/// their own (<see cref="Fleet.StoredReports"/>). Only the job's own worker may post it.
/// </summary>
public sealed class ScanResults(
    ComfyDoctorDb db,
    ServerOptions options,
    Repairs.RepairOutcomes repairs,
    Repairs.AutoRepair autoRepair,
    Repairs.ScanFirst scanFirst,
    Operations.ServerMetrics metrics,
    Catalog.FleetLearning learning
)
{
    /// <summary>Null when stored; else why not: the job is not this worker's running job (404), or the result is invalid (400).</summary>
    public async Task<Refusal?> StoreAsync(string workerId, string jobId, JobResult result, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == jobId && j.WorkerId == workerId && j.Status == JobStatus.Running, ct);
        var scan = job is null ? null : await db.Scans.FirstOrDefaultAsync(s => s.JobId == jobId, ct);
        if (job is null || scan is null)
        {
            return Jobs.JobLeases.NotRunning(jobId);
        }

        var expanded = await ResultBase.ExpandAsync(db, workerId, result, ct);
        if (expanded.Refusal is { } unknownBase)
        {
            return unknownBase;
        }

        result = expanded.Value!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Repairs.RepairOutcomes.Summary? summary = null;
        WorkerReport? stored = null;
        ExpectedState? expected = null;
        if (result.Inventory is null)
        {
            job.Status = scan.Status = JobStatus.Failed;
            job.Error = Repairs.PlannedJobs.Explain(
                job,
                string.IsNullOrWhiteSpace(result.Error)
                    ? "the agent reported a failure without a reason"
                    : result.Error[..Math.Min(4000, result.Error.Length)]
            );
        }
        else
        {
            if (InventoryValidator.Problem(result.Inventory) is { } problem)
            {
                return ProblemTypes.InvalidResult.Because($"result of job {jobId} refused: {problem}");
            }

            if (
                result.Repair is { } reported
                && Repairs.PlannedJobs.PayloadOf(job) is { } planned
                && Repairs.RepairOutcomes.Mismatch(planned, reported) is { } wrong
            )
            {
                return ProblemTypes.RepairPlanMismatch.Because(
                    $"result of job {jobId} refused: its actions are not the confirmed plan's: {wrong}"
                );
            }

            var worker = await db.Workers.AsNoTracking().FirstAsync(w => w.Id == workerId, ct);
            var inventory = result.Inventory with { Worker = worker.Name }; // a worker reports for itself only
            expected = await Snapshots.WorkerSnapshots.ApplyAsync(db, await ExpectedStates.LoadAsync(db, options, ct), worker, ct);
            var agent = AgentRules.Check(worker.AgentVersion, BuildInfo.Current.Version); // the server's own build
            var report = WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory, agent));
            scan.ResultsJson = Fleet.StoredReports.HeadJson(report);
            stored = report;
            scan.HealthJson = JsonSerializer.Serialize(report.Health, ReportJson.Options);
            scan.ScannedAt = now;
            job.Status = scan.Status = JobStatus.Done;
            if (result.Repair is { } repair)
            {
                summary = await repairs.JudgeAsync(job, worker, scan.Id, repair, report, expected, ct);
                job.ResultJson = JsonSerializer.Serialize(summary, ReportJson.Options);
                job.ProgressJson = Repairs.RepairOutcomes.FinalProgressJson(summary.Outcome); // the last progress post may not have arrived
            }
        }

        job.UpdatedAt = now;
        job.LeaseUntil = null;
        var repairQueued = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            if (stored is not null)
            {
                await Fleet.StoredReports.InsertRowsAsync(db, scan.Id, stored, ct);
            }

            if (summary is not null)
            {
                await repairs.AuditAsync(job, summary, ct); // the result and its audit records commit together
            }

            repairQueued = await scanFirst.FollowAsync(job, scan.Id, stored, expected, ct); // a repair waiting for this scan
            await transaction.CommitAsync(ct);
        }

        if (repairQueued)
        {
            scanFirst.Wake(workerId);
        }

        Measure(job, scan, summary?.Outcome, now);
        if (stored is not null)
        {
            await learning.AfterScanAsync(workerId, stored.Inventory, ct); // what this worker's ComfyUI reports may resolve a needed type
        }

        if (job.Status == JobStatus.Done && job.Kind == AgentProtocol.ScanJob && job.RepairId is null)
        {
            await autoRepair.AfterScanAsync(workerId, ct);
        }

        return null;
    }

    private void Measure(JobRow job, ScanRow scan, RepairOutcome? repair, long now)
    {
        if (job.Status != JobStatus.Done)
        {
            return;
        }

        if (repair is null)
        {
            metrics.ScanStored(TimeSpan.FromMilliseconds(now - scan.RequestedAt));
            return;
        }

        metrics.RepairStored(TimeSpan.FromMilliseconds(now - job.CreatedAt));
        foreach (var action in repair.Actions.Where(a => a.Outcome == ActionStates.Done))
        {
            if (repair.Plan.Actions.FirstOrDefault(p => p.Kind == action.Kind && p.Subject == action.Subject)?.Model?.Size is { } bytes)
            {
                metrics.Transferred(bytes, action.Source);
            }
        }
    }
}
