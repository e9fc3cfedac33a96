using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Fleet;

/// <summary>
/// A finished scan's report as it is stored: the head (lights, packs, environment: a few KiB whatever the worker) in
/// <c>integrity_scans.results_json</c>, and each model file and each finding a row of its own (migration 005). A worker
/// with 100,000 model files is then read a page at a time; only a caller that needs every model (a repair plan, registry
/// adoption) reads them all, one worker at a time, row by row.
/// </summary>
public static class StoredReports
{
    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    /// <summary>The report without its models and findings: what <c>results_json</c> holds.</summary>
    public static string HeadJson(WorkerReport report) =>
        JsonSerializer.Serialize(report with { Findings = [], Inventory = report.Inventory with { Models = [] } }, Compact);

    /// <summary>The report's models and findings as rows of the scan, in the open transaction.</summary>
    public static async Task InsertRowsAsync(ComfyDoctorDb db, string scanId, WorkerReport report, CancellationToken ct)
    {
        await BatchInsert.InsertAsync(
            db,
            "scan_models",
            ["scan_id", "seq", "identity", "sha256", "json"],
            report.Inventory.Models.Select(
                (m, i) => new object?[] { scanId, i, m.Identity, m.Sha256, JsonSerializer.Serialize(m, Compact) }
            ),
            ct
        );
        await InsertFindingsAsync(db, scanId, report.Findings, ct);
    }

    /// <summary>The findings of a scan as rows, in the open transaction (a scan judged again replaces its rows).</summary>
    public static Task InsertFindingsAsync(ComfyDoctorDb db, string scanId, IReadOnlyList<Finding> findings, CancellationToken ct) =>
        InsertFindingsAsync(db, [(scanId, findings)], ct);

    /// <summary>The findings of several scans in one batch (a fleet judged again).</summary>
    public static async Task InsertFindingsAsync(
        ComfyDoctorDb db,
        IEnumerable<(string ScanId, IReadOnlyList<Finding> Findings)> scans,
        CancellationToken ct
    )
    {
        await BatchInsert.InsertAsync(
            db,
            "scan_findings",
            ["scan_id", "seq", "category", "severity", "subject", "json"],
            scans.SelectMany(s =>
                s.Findings.Select(
                    (f, i) =>
                        new object?[] { s.ScanId, i, (int)f.Category, (int)f.Severity, f.Subject, JsonSerializer.Serialize(f, Compact) }
                )
            ),
            ct
        );
    }

    /// <summary>The head alone (no models, no findings), or null when the scan has no report.</summary>
    public static async Task<WorkerReport?> HeadAsync(ComfyDoctorDb db, string scanId, CancellationToken ct) =>
        await db.Scans.AsNoTracking().Where(s => s.Id == scanId).Select(s => s.ResultsJson).FirstOrDefaultAsync(ct) is { } json
            ? ReportJson.Deserialize<WorkerReport>(json)
            : null;

    /// <summary>The whole report, its rows read one by one: for the callers that need every model of one worker.</summary>
    public static async Task<WorkerReport?> LoadAsync(ComfyDoctorDb db, string scanId, CancellationToken ct)
    {
        if (await HeadAsync(db, scanId, ct) is not { } head)
        {
            return null;
        }

        var models = await Read<ModelFile>(
            db.ScanModels.AsNoTracking().Where(m => m.ScanId == scanId).OrderBy(m => m.Seq).Select(m => m.Json),
            ct
        );
        var findings = await Read<Finding>(
            db.ScanFindings.AsNoTracking().Where(f => f.ScanId == scanId).OrderBy(f => f.Seq).Select(f => f.Json),
            ct
        );
        return head with { Findings = findings, Inventory = head.Inventory with { Models = models } };
    }

    /// <summary>Models <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="take"/>, in the inventory's order.</summary>
    public static Task<List<ModelFile>> ModelsAsync(ComfyDoctorDb db, string scanId, int skip, int take, CancellationToken ct) =>
        Read<ModelFile>(
            db.ScanModels.AsNoTracking().Where(m => m.ScanId == scanId).OrderBy(m => m.Seq).Skip(skip).Take(take).Select(m => m.Json),
            ct
        );

    /// <summary>The scan's model rows (each <see cref="ScanModelRow.Json"/> read with <see cref="Model"/>), for pages that filter or sort
    /// them.</summary>
    public static IQueryable<ScanModelRow> ModelRows(ComfyDoctorDb db, string scanId) =>
        db.ScanModels.AsNoTracking().Where(m => m.ScanId == scanId);

    public static ModelFile Model(string json) =>
        ReportJson.Deserialize<ModelFile>(json) ?? throw new InvalidDataException("a stored model is null");

    /// <summary>Findings (of one category, or all) in the report's order, most severe first.</summary>
    public static Task<List<Finding>> FindingsAsync(
        ComfyDoctorDb db,
        string scanId,
        HealthCategory? category,
        int skip,
        int take,
        CancellationToken ct
    ) => Read<Finding>(Findings(db, scanId, category).OrderBy(f => f.Seq).Skip(skip).Take(take).Select(f => f.Json), ct);

    public static Task<int> ModelCountAsync(ComfyDoctorDb db, string scanId, CancellationToken ct) =>
        db.ScanModels.CountAsync(m => m.ScanId == scanId, ct);

    public static Task<int> FindingCountAsync(ComfyDoctorDb db, string scanId, HealthCategory? category, CancellationToken ct) =>
        Findings(db, scanId, category).CountAsync(ct);

    private static IQueryable<ScanFindingRow> Findings(ComfyDoctorDb db, string scanId, HealthCategory? category)
    {
        var number = (int?)category;
        return db.ScanFindings.AsNoTracking().Where(f => f.ScanId == scanId && (number == null || f.Category == number));
    }

    private static async Task<List<T>> Read<T>(IQueryable<string> rows, CancellationToken ct)
    {
        var items = new List<T>();
        await foreach (var json in rows.AsAsyncEnumerable().WithCancellation(ct))
        {
            items.Add(
                JsonSerializer.Deserialize<T>(json, ReportJson.Options)
                    ?? throw new InvalidDataException($"a stored {typeof(T).Name} is null")
            );
        }

        return items;
    }
}
