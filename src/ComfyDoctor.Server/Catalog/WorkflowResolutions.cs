using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Workflows;
using ComfyDoctor.Server.Workflows;

namespace ComfyDoctor.Server.Catalog;

/// <summary>A workflow resolved against the server's catalog and pins, exactly as <c>comfydoctor resolve</c> does it.</summary>
public static class WorkflowResolutions
{
    public sealed record Resolved(WorkflowRegistration.Requirements Needs, StoredResolution Resolution)
    {
        public string NeedsJson => ReportJson.Serialize(Needs);

        public string ResolutionJson => ReportJson.Serialize(Resolution);
    }

    public static Resolved Resolve(WorkflowDocument document, CatalogCache.Loaded catalog)
    {
        var report = NodeResolver.Resolve([document], catalog.Options);
        var needs = new WorkflowRegistration.Requirements(report.NodePacks(), report.UnresolvedNodes(), report.Models());
        return new Resolved(needs, new StoredResolution(catalog.Version, report.Workflows[0].Nodes));
    }

    /// <summary>Re-resolves every registered workflow (tracked changes, saved by the caller); how many changed what they need.</summary>
    public static async Task<(int Resolved, int Changed)> ResolveAllAsync(
        ComfyDoctorDb db,
        CatalogCache.Loaded catalog,
        CancellationToken ct
    )
    {
        var (resolved, changed) = (0, 0);
        foreach (var row in await db.Workflows.OrderBy(w => w.Name).ToListAsync(ct))
        {
            WorkflowDocument document;
            try
            {
                document = WorkflowReader.Read(row.Name, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(row.Json)));
            }
            catch (WorkflowFormatException)
            {
                continue; // it was readable when registered; a reader that changed since keeps its last requirements
            }

            var result = Resolve(document, catalog);
            changed += result.NeedsJson == row.RequirementsJson ? 0 : 1;
            (row.RequirementsJson, row.ResolutionJson) = (result.NeedsJson, result.ResolutionJson);
            resolved++;
        }

        return (resolved, changed);
    }
}
