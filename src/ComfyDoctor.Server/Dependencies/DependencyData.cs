using ComfyDoctor.Core.Dependencies;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Workflows;

namespace ComfyDoctor.Server.Dependencies;

/// <summary>The inputs of the dependency graph and the orphan search: registered workflows and each worker's latest finished
/// scan.</summary>
public static class DependencyData
{
    public static async Task<DependencyGraph> GraphAsync(ComfyDoctorDb db, CancellationToken ct) =>
        DependencyGraph.Build(
            await WorkflowsAsync(db, ct),
            (await LatestScans.FinishedReportsAsync(db, null, ct)).Select(r => r.Inventory).ToList()
        );

    public static async Task<OrphanedModels> OrphansAsync(ComfyDoctorDb db, CancellationToken ct) =>
        OrphanedModels.Find(
            await WorkflowsAsync(db, ct),
            (await LatestScans.FinishedReportsAsync(db, null, ct)).Select(r => r.Inventory).ToList()
        );

    private static async Task<List<WorkflowNeeds>> WorkflowsAsync(ComfyDoctorDb db, CancellationToken ct) =>
        (await db.Workflows.AsNoTracking().OrderBy(w => w.Name).Select(w => new { w.Name, w.RequirementsJson }).ToListAsync(ct))
            .Select(w => (w.Name, Needs: ReportJson.Deserialize<WorkflowRegistration.Requirements>(w.RequirementsJson)!))
            .Select(w => new WorkflowNeeds(w.Name, w.Needs.Models.Select(m => m.Identity).ToList(), w.Needs.NodePacks))
            .ToList();
}
