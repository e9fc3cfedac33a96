using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Catalog;

/// <summary>Every node type the registered workflows need, per worker (<c>GET /admin/node-types</c>, the workflows page):
/// read from the node findings of each worker's latest finished report, which carry their node types as data — the whole
/// fleet's in one query (<see cref="LatestReports"/>).</summary>
public static class FleetNodeTypes
{
    public static async Task<IReadOnlyList<NodeTypeRow>> LoadAsync(ComfyDoctorDb db, ServerOptions options, CancellationToken ct)
    {
        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var latest = await LatestReports.LoadAsync(db, heads: false, LatestReports.FindingRows.Nodes, ct);
        return NodeTypeMatrix.Build(expected, latest.ToDictionary(l => l.Worker, l => l.Findings, StringComparer.Ordinal));
    }
}
