using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Scans;

/// <summary>
/// The rows a queued scan is made of: the job an agent claims and the scan row its report lands in. Added to the caller's
/// context, saved with its other changes (and its audit record).
/// </summary>
internal static class ScanJobs
{
    /// <summary>A queued scan job and its scan row; a scan a repair waits for carries that repair's id and who asked.</summary>
    public static (JobRow Job, ScanRow Scan) Add(
        ComfyDoctorDb db,
        string workerId,
        bool deep,
        long now,
        string? repairId = null,
        string? actor = null
    )
    {
        var scanId = Guid.NewGuid().ToString("N");
        var job = new JobRow
        {
            Id = Guid.NewGuid().ToString("N"),
            WorkerId = workerId,
            Kind = AgentProtocol.ScanJob,
            Status = JobStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            PayloadJson = JsonSerializer.Serialize(new ScanJobPayload(scanId, deep), ReportJson.Options),
            RepairId = repairId,
            RequestedBy = actor,
        };
        db.Jobs.Add(job);
        return (job, AddScan(db, scanId, job, deep, now));
    }

    /// <summary>The scan row a job's report lands in (a repair job's verifying re-scan too).</summary>
    public static ScanRow AddScan(ComfyDoctorDb db, string scanId, JobRow job, bool deep, long now)
    {
        var scan = new ScanRow
        {
            Id = scanId,
            WorkerId = job.WorkerId,
            JobId = job.Id,
            Status = JobStatus.Queued,
            Deep = deep,
            RequestedAt = now,
        };
        db.Scans.Add(scan);
        return scan;
    }
}
