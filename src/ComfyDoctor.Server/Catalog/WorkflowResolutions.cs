using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Workflows;
using ComfyDoctor.Server.Workflows;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// The registered workflows resolved against the server's catalog and pins as one fleet decision, exactly as
/// <c>comfydoctor resolve --fleet</c> does it (<see cref="NodeResolver.ResolveFleet"/>): one pack per node type across
/// the fleet, so two workflows never make the fleet install two packs for one node family. What each workflow needs is
/// derived from that decision; what workers' ComfyUI reported (<see cref="KnownPackNodes"/>) counts as evidence.
/// </summary>
public static class WorkflowResolutions
{
    public sealed record Resolved(WorkflowRegistration.Requirements Needs, StoredResolution Resolution)
    {
        public string NeedsJson => ReportJson.Serialize(Needs);

        public string ResolutionJson => ReportJson.Serialize(Resolution);
    }

    /// <summary>The fleet's decision over <paramref name="documents"/>, one <see cref="Resolved"/> per document in order.</summary>
    public static IReadOnlyList<Resolved> ResolveFleet(
        IReadOnlyList<WorkflowDocument> documents,
        CatalogCache.Loaded catalog,
        IReadOnlyList<KnownPackNodes> known
    )
    {
        var report = NodeResolver.ResolveFleet(documents, catalog.Options with { Known = known });
        var json = Core.NodeResolution.ResolutionJson.From(report);
        return report
            .Workflows.Select(
                (w, i) =>
                {
                    var one = new ResolutionReport([w]);
                    var shape = json.Workflows[i];
                    return new Resolved(
                        new WorkflowRegistration.Requirements(one.NodePacks(), one.UnresolvedNodes(), one.Models()),
                        new StoredResolution(catalog.Version, shape.Nodes, shape.Models, shape.Errors)
                    );
                }
            )
            .ToList();
    }

    /// <summary>Re-resolves every registered workflow as one decision (tracked changes, saved by the caller); the names of
    /// those whose needs changed.</summary>
    public static async Task<(int Resolved, IReadOnlyList<string> Changed)> ResolveAllAsync(
        ComfyDoctorDb db,
        CatalogCache.Loaded catalog,
        IReadOnlyList<KnownPackNodes> known,
        CancellationToken ct
    )
    {
        var readable = new List<(WorkflowRow Row, WorkflowDocument Document)>();
        foreach (var row in await db.Workflows.OrderBy(w => w.Name).ToListAsync(ct))
        {
            try
            {
                readable.Add((row, WorkflowReader.Read(row.Name, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(row.Json)))));
            }
            catch (WorkflowFormatException)
            {
                // it was readable when registered; a reader that changed since keeps its last requirements
            }
        }

        var results = ResolveFleet([.. readable.Select(r => r.Document)], catalog, known);
        var changed = new List<string>();
        foreach (var ((row, _), result) in readable.Zip(results))
        {
            if (result.NeedsJson != row.RequirementsJson)
            {
                changed.Add(row.Name);
            }

            (row.RequirementsJson, row.ResolutionJson) = (result.NeedsJson, result.ResolutionJson);
        }

        return (readable.Count, changed);
    }
}
