using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>
/// One worker for its page: the row, its latest finished report without its models and with the findings of every other
/// category, and one page of its models (<see cref="WorkerModelsPage"/>).
/// </summary>
public sealed record WorkerDetails(WorkerRow Worker, WorkerReport? Report, ScanHead? Latest, WorkerModelsPage? Models)
{
    public static async Task<WorkerDetails?> LoadAsync(ComfyDoctorDb db, string name, int page, CancellationToken ct)
    {
        var worker = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == name, ct);
        if (worker is null)
        {
            return null;
        }

        var latest = await db
            .Scans.AsNoTracking()
            .Where(s => s.WorkerId == worker.Id)
            .OrderByDescending(s => s.RequestedAt)
            .Select(s => new ScanHead(s.Id, s.WorkerId, s.Status, s.RequestedAt, s.ScannedAt))
            .FirstOrDefaultAsync(ct);
        var finished = (await LatestScans.FinishedHeadsAsync(db, [name], ct)).Select(h => h.Head).SingleOrDefault();
        var head = finished is null ? null : await StoredReports.HeadAsync(db, finished.Id, ct);
        if (finished is null || head is null)
        {
            return new WorkerDetails(worker, null, latest, null);
        }

        var others = await db
            .ScanFindings.AsNoTracking()
            .Where(f => f.ScanId == finished.Id && f.Category != (int)HealthCategory.Models)
            .OrderBy(f => f.Seq)
            .Select(f => f.Json)
            .ToListAsync(ct);
        var report = head with { Findings = others.Select(json => ReportJson.Deserialize<Finding>(json)!).ToList() };
        return new WorkerDetails(worker, report, latest, await WorkerModelsPage.LoadAsync(db, finished.Id, page, ct));
    }
}

/// <summary>
/// One page of a worker's models, paged on the server: the model findings (most severe first), then the files no finding
/// above info names, by identity — <see cref="PageSize"/> of each per page, with the registry's hash of each one shown.
/// </summary>
public sealed record WorkerModelsPage(
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<ModelFile> Files,
    IReadOnlyDictionary<string, ModelFile> FindingFiles,
    IReadOnlyDictionary<string, string> ExpectedHashes,
    int ModelCount,
    int FindingCount,
    int Page,
    int Pages
)
{
    public const int PageSize = 200;

    public static async Task<WorkerModelsPage> LoadAsync(ComfyDoctorDb db, string scanId, int page, CancellationToken ct)
    {
        var findingCount = await StoredReports.FindingCountAsync(db, scanId, HealthCategory.Models, ct);
        var rows = StoredReports.ModelRows(db, scanId);
        var fine = rows.Where(m =>
            !db.ScanFindings.Any(f => f.ScanId == scanId && f.Subject == m.Identity && f.Severity > (int)Severity.Info)
        );
        var fineCount = await fine.CountAsync(ct);
        var pages = Math.Max(1, (Math.Max(findingCount, fineCount) + PageSize - 1) / PageSize);
        var current = Math.Clamp(page, 1, pages);
        var skip = (current - 1) * PageSize;
        var findings = await StoredReports.FindingsAsync(db, scanId, HealthCategory.Models, skip, PageSize, ct);
        var files = (await fine.OrderBy(m => m.Identity).ThenBy(m => m.Seq).Skip(skip).Take(PageSize).Select(m => m.Json).ToListAsync(ct))
            .Select(StoredReports.Model)
            .ToList();
        var subjects = findings.Select(f => f.Subject).Distinct().ToList();
        var findingFiles = (await rows.Where(m => subjects.Contains(m.Identity)).OrderBy(m => m.Seq).Select(m => m.Json).ToListAsync(ct))
            .Select(StoredReports.Model)
            .GroupBy(m => m.Identity, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var identities = subjects.Concat(files.Select(f => f.Identity)).Distinct().ToList();
        var expected = await db
            .ModelChecksums.AsNoTracking()
            .Where(m => identities.Contains(m.Identity))
            .ToDictionaryAsync(m => m.Identity, m => m.Sha256, ct);
        return new WorkerModelsPage(
            findings,
            files,
            findingFiles,
            expected,
            await StoredReports.ModelCountAsync(db, scanId, ct),
            findingCount,
            current,
            pages
        );
    }
}
