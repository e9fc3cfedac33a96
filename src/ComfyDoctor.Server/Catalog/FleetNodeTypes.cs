using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Catalog;

/// <summary>Every node type the registered workflows need, per worker (<c>GET /admin/node-types</c>, the workflows page):
/// read from the node findings of each worker's latest finished report, which carry their node types as data.</summary>
public static class FleetNodeTypes
{
    public static async Task<IReadOnlyList<NodeTypeRow>> LoadAsync(ComfyDoctorDb db, ServerOptions options, CancellationToken ct)
    {
        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var heads = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var names = await db.Workers.AsNoTracking().ToDictionaryAsync(w => w.Id, w => w.Name, ct);
        var findings = new Dictionary<string, IReadOnlyList<Finding>>(StringComparer.Ordinal);
        foreach (var head in heads.Values)
        {
            findings[names[head.WorkerId]] = await StoredReports.FindingsAsync(db, head.Id, HealthCategory.Nodes, 0, int.MaxValue, ct);
        }

        return NodeTypeMatrix.Build(expected, findings);
    }
}
