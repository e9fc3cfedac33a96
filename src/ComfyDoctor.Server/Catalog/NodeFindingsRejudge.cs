using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// After the catalog or the pins changed what workflows need, each worker's latest finished report is judged again on
/// the facts it already holds: its node findings and its nodes light are replaced (the node rules read the packs and
/// ComfyUI's live types, never the model rows, which stay as they are). The fleet's findings and the plans made from
/// them follow at once, without a scan.
/// </summary>
public static class NodeFindingsRejudge
{
    /// <summary>In the caller's open transaction; returns the scans judged again.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(ComfyDoctorDb db, ServerOptions options, CancellationToken ct)
    {
        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var heads = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var judged = new List<string>();
        foreach (var head in heads.Values)
        {
            var scan = await db.Scans.FirstAsync(s => s.Id == head.Id, ct);
            if (scan.ResultsJson is null || ReportJson.Deserialize<WorkerReport>(scan.ResultsJson) is not { } stored)
            {
                continue;
            }

            var verdict = Diagnoser.Diagnose(expected, stored.Inventory);
            var others = await StoredReports.FindingsAsync(db, scan.Id, null, 0, int.MaxValue, ct);
            var findings = others
                .Where(f => f.Category != HealthCategory.Nodes)
                .Concat(verdict.Findings.Where(f => f.Category == HealthCategory.Nodes))
                .ToList();
            var report = WorkerReport.From(stored.Inventory, new Verdict(HealthRules.Lights(findings), findings));
            scan.ResultsJson = StoredReports.HeadJson(report with { Findings = [] });
            scan.HealthJson = JsonSerializer.Serialize(report.Health, ReportJson.Options);
            await db.ScanFindings.Where(f => f.ScanId == scan.Id).ExecuteDeleteAsync(ct);
            await StoredReports.InsertFindingsAsync(db, scan.Id, report.Findings, ct);
            judged.Add(scan.Id);
        }

        return judged;
    }
}
