using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Workflows;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Workflows;

/// <summary>
/// Registered workflows, stored with what they need: derived with the workflow reader and resolver against the server's
/// node catalog and pins (<see cref="Catalog.CatalogService"/>, as <c>comfydoctor resolve</c> does). Every later scan is
/// judged against the needs of all registered workflows (<see cref="AddNeedsAsync"/>).
/// </summary>
public sealed class WorkflowRegistration(ComfyDoctorDb db, AuditTrail audit, Catalog.CatalogService catalog)
{
    /// <summary>What one workflow needs, as stored in <c>workflows.requirements_json</c>.</summary>
    public sealed record Requirements(
        IReadOnlyList<RequiredNodePack> NodePacks,
        IReadOnlyList<UnresolvedNode> Unresolved,
        IReadOnlyList<RequiredModel> Models
    );

    /// <summary>Stores (or replaces) a workflow under <paramref name="name"/> with what it needs, or says why not (audited).</summary>
    public async Task<Outcome<Requirements>> RegisterAsync(string? name, byte[] workflow, string actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            return ProblemTypes.InvalidWorkflow.Because("?name= is required: 1 to 200 printable characters");
        }

        WorkflowDocument document;
        try
        {
            document = WorkflowReader.Read(name, new MemoryStream(workflow));
        }
        catch (WorkflowFormatException e)
        {
            await audit.AppendAsync(actor, "workflow.add", name, "", "refused: " + e.Message, ct);
            return ProblemTypes.InvalidWorkflow.Because(e.Message);
        }

        var resolved = await catalog.ResolveAsync(document, ct);
        var needs = resolved.Needs;
        var json = System.Text.Encoding.UTF8.GetString(workflow);
        var row = await db.Workflows.FirstOrDefaultAsync(w => w.Name == name, ct);
        if (row is null)
        {
            db.Workflows.Add(
                row = new WorkflowRow
                {
                    Id = Guid.NewGuid().ToString("N"),
                    Name = name,
                    Json = json,
                    RequirementsJson = "",
                }
            );
        }

        (row.Json, row.RequirementsJson, row.ResolutionJson, row.AddedAt) = (
            json,
            resolved.NeedsJson,
            resolved.ResolutionJson,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
        );

        await audit.AppendAsync(
            actor,
            "workflow.add",
            name,
            $"{document.Nodes.Count} nodes",
            $"{needs.NodePacks.Count} packs, {needs.Unresolved.Count} unresolved, {needs.Models.Count} models",
            ct
        );
        return needs;
    }

    /// <summary>The request size limit of a workflow upload (API and dashboard form): larger bodies get 413 from Kestrel before they are
    /// buffered.</summary>
    public static RequestSizeLimitAttribute SizeLimit(IEndpointRouteBuilder app) =>
        new(app.ServiceProvider.GetRequiredService<ServerOptions>().MaxWorkflowBytes);

    /// <summary>The needs of every registered workflow, merged into the expected state a scan is judged against.</summary>
    public static async Task<ExpectedState> AddNeedsAsync(ExpectedState expected, ComfyDoctorDb db, CancellationToken ct)
    {
        var all = (await db.Workflows.AsNoTracking().Select(w => w.RequirementsJson).ToListAsync(ct))
            .Select(json => ReportJson.Deserialize<Requirements>(json)!)
            .ToList();
        return expected with
        {
            RequiredNodePacks = [.. all.SelectMany(r => r.NodePacks)],
            UnresolvedNodes = [.. all.SelectMany(r => r.Unresolved)],
            RequiredModels = [.. all.SelectMany(r => r.Models)],
        };
    }
}
