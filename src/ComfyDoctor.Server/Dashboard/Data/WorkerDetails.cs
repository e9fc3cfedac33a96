using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>One worker for its page: the row, its latest finished report, and the registry's hashes of its models.</summary>
public sealed record WorkerDetails(WorkerRow Worker, WorkerReport? Report, ScanHead? Latest, IReadOnlyDictionary<string, string> ExpectedHashes)
{
    public static async Task<WorkerDetails?> LoadAsync(ComfyDoctorDb db, string name, CancellationToken ct)
    {
        var worker = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == name, ct);
        if (worker is null)
        {
            return null;
        }

        var report = (await LatestScans.FinishedReportsAsync(db, [name], ct)).SingleOrDefault();
        var latest = await db.Scans.AsNoTracking().Where(s => s.WorkerId == worker.Id).OrderByDescending(s => s.RequestedAt)
            .Select(s => new ScanHead(s.Id, s.WorkerId, s.Status, s.RequestedAt, s.ScannedAt)).FirstOrDefaultAsync(ct);
        var identities = report?.Findings.Select(f => f.Subject).Concat(report.Inventory.Models.Select(m => m.Identity)).Distinct().ToList() ?? [];
        var expected = await db.ModelChecksums.AsNoTracking().Where(m => identities.Contains(m.Identity)).ToDictionaryAsync(m => m.Identity, m => m.Sha256, ct);
        return new WorkerDetails(worker, report, latest, expected);
    }
}
