using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// After the catalog, the pins, the fleet's resolution or a snapshot (issue 19.2) changed what workflows need, each worker's
/// latest finished report
/// is judged again on the facts it already holds: its node findings and its nodes light are replaced (the node rules read
/// the packs and ComfyUI's live types, never the model rows, which stay as they are). The fleet's findings and the plans
/// made from them follow at once, without a scan. The reports are read and parsed before the write transaction
/// (<see cref="LatestReports"/>); inside it only a report that became latest meanwhile is read, and every scan's rows are
/// written in one batch.
/// </summary>
public static class NodeFindingsRejudge
{
    /// <summary>In the caller's open transaction, after the new requirements were saved; returns the scans judged again.</summary>
    /// <param name="read">The latest reports as read before the transaction, with all their findings.</param>
    public static async Task<IReadOnlyList<string>> RunAsync(
        ComfyDoctorDb db,
        ServerOptions options,
        IReadOnlyList<LatestReports.Latest> read,
        CancellationToken ct
    )
    {
        var current = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var latest = current.Values.Select(h => h.Id).ToHashSet(StringComparer.Ordinal);
        var reports = read.Where(r => latest.Contains(r.ScanId)).ToList();
        var late = latest.Except(reports.Select(r => r.ScanId)).ToList();
        if (late.Count > 0)
        {
            reports.AddRange(await LatestReports.LoadAsync(db, heads: true, LatestReports.FindingRows.All, ct, late));
        }

        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var workers = await db.Workers.AsNoTracking().ToDictionaryAsync(w => w.Id, ct);
        var judged = new List<(string ScanId, WorkerReport Report)>();
        foreach (var report in reports)
        {
            var mine = workers.TryGetValue(report.WorkerId, out var worker)
                ? await Snapshots.WorkerSnapshots.ApplyAsync(db, expected, worker, ct)
                : expected;
            judged.Add((report.ScanId, Judge(mine, report)));
        }

        var ids = judged.Select(j => j.ScanId).ToList();
        await db.ScanFindings.Where(f => ids.Contains(f.ScanId)).ExecuteDeleteAsync(ct);
        await StoredReports.InsertFindingsAsync(db, judged.Select(j => (j.ScanId, j.Report.Findings)), ct);
        foreach (var (scanId, report) in judged)
        {
            var scan = Tracked(db, scanId, reports.First(r => r.ScanId == scanId).WorkerId);
            scan.ResultsJson = StoredReports.HeadJson(report with { Findings = [] });
            scan.HealthJson = JsonSerializer.Serialize(report.Health, ReportJson.Options);
        }

        await db.SaveChangesAsync(ct); // one batch of updates
        return ids;
    }

    private static WorkerReport Judge(ExpectedState expected, LatestReports.Latest latest)
    {
        var inventory = latest.Head!.Inventory;
        var verdict = Diagnoser.Diagnose(expected, inventory);
        var findings = latest.Findings.Where(f => !Rejudged(f)).Concat(verdict.Findings.Where(Rejudged)).ToList();
        return WorkerReport.From(inventory, new Verdict(HealthRules.Lights(findings), findings));
    }

    /// <summary>The findings judged again: the node light's, and the runtime findings a snapshot gives (issue 19.2).</summary>
    private static bool Rejudged(Finding finding) =>
        finding.Category == HealthCategory.Nodes
        || finding.Code
            is FindingCodes.ComfyUiVersionMismatch
                or FindingCodes.PythonPackageMismatch
                or FindingCodes.PythonPackageUnexpected
                or FindingCodes.SnapshotConflict;

    /// <summary>The scan's row to update: the one this context tracks, else a stub attached by its key (nothing read back).</summary>
    private static ScanRow Tracked(ComfyDoctorDb db, string scanId, string workerId)
    {
        if (db.Scans.Local.FirstOrDefault(s => s.Id == scanId) is { } tracked)
        {
            return tracked;
        }

        var stub = new ScanRow
        {
            Id = scanId,
            WorkerId = workerId,
            JobId = "",
            Status = JobStatus.Done,
        };
        db.Scans.Attach(stub);
        return stub;
    }
}
