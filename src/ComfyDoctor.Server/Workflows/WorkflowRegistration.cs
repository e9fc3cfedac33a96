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
public sealed class WorkflowRegistration(ComfyDoctorDb db, AuditTrail audit, Catalog.CatalogService catalog, Catalog.FleetResolution fleet)
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

        // Stored, then every registered workflow resolved again with it as one fleet decision: a new workflow can move a
        // node type of another to a pack both can share. The latest reports are judged again when another workflow's needs
        // changed (they were judged against those); the new workflow's own needs are judged by the next scan, as before.
        var json = System.Text.Encoding.UTF8.GetString(workflow);
        var current = await catalog.CurrentAsync(ct);
        await fleet.RunAsync(
            new Catalog.FleetResolution.Change(
                current.Catalog,
                null, // the stored pins, read inside the transaction
                async _ =>
                {
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

                    (row.Json, row.AddedAt) = (json, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                },
                changed => changed.Any(n => n != name),
                async r =>
                {
                    var needs = await NeedsAsync(name, ct);
                    await audit.AppendAsync(
                        actor,
                        "workflow.add",
                        name,
                        $"{document.Nodes.Count} nodes",
                        $"{needs.NodePacks.Count} packs, {needs.Unresolved.Count} unresolved, {needs.Models.Count} models; "
                            + Catalog.CatalogService.Describe(r),
                        ct
                    );
                }
            )
            {
                Prefetch = false,
            },
            ct
        );
        return await NeedsAsync(name, ct);
    }

    private async Task<Requirements> NeedsAsync(string name, CancellationToken ct) =>
        ReportJson.Deserialize<Requirements>(
            db.Workflows.Local.FirstOrDefault(w => w.Name == name)?.RequirementsJson
                ?? await db.Workflows.AsNoTracking().Where(w => w.Name == name).Select(w => w.RequirementsJson).FirstAsync(ct)
        )!;

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
