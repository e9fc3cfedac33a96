using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Repairs;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>A worker's latest finished repair, for its page: each pack and each Python package with its outcome (issue 19.4).</summary>
public sealed record LatestRepair(string RepairId, DateTimeOffset At, RepairOutcomes.Summary Summary)
{
    /// <summary>The newest repair job of the worker that has a judged result; null before one.</summary>
    public static async Task<LatestRepair?> LoadAsync(ComfyDoctorDb db, string workerId, CancellationToken ct)
    {
        var job = await db
            .Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.RepairId != null && j.ResultJson != null)
            .OrderByDescending(j => j.CreatedAt)
            .Select(j => new
            {
                j.RepairId,
                j.CreatedAt,
                j.ResultJson,
            })
            .FirstOrDefaultAsync(ct);
        return job is not null && ReportJson.Deserialize<RepairOutcomes.Summary>(job.ResultJson!) is { } summary
            ? new LatestRepair(job.RepairId!, DateTimeOffset.FromUnixTimeMilliseconds(job.CreatedAt), summary)
            : null;
    }
}
