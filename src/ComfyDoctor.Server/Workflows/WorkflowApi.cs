using System.Security.Claims;
using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Workflows;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Workflows;

/// <summary>
/// Registered workflows: <c>POST /admin/workflows?name=N</c> (the workflow JSON as the body) stores it with what it needs,
/// derived with the workflow reader and resolver (core list and the workflow's own cnr_id/aux_id hints; the server holds
/// no node map yet); every later scan is judged against the needs of all registered workflows.
/// </summary>
public static class WorkflowApi
{
    /// <summary>What one workflow needs, as stored in <c>workflows.requirements_json</c>.</summary>
    public sealed record Requirements(IReadOnlyList<RequiredNodePack> NodePacks, IReadOnlyList<UnresolvedNode> Unresolved, IReadOnlyList<RequiredModel> Models);

    public static void MapWorkflowApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/workflows", AddAsync).WithMetadata(SizeLimit(admin));
        admin.MapGet("/workflows", async (ComfyDoctorDb db, CancellationToken ct) => TypedResults.Ok((await db.Workflows.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct))
            .Select(w => new { w.Name, addedAt = DateTimeOffset.FromUnixTimeMilliseconds(w.AddedAt), requirements = JsonDocument.Parse(w.RequirementsJson).RootElement })));
    }

    /// <summary>The request size limit of a workflow upload: larger bodies get 413 from Kestrel before they are buffered.</summary>
    public static RequestSizeLimitAttribute SizeLimit(IEndpointRouteBuilder app) =>
        new(app.ServiceProvider.GetRequiredService<ServerOptions>().MaxWorkflowBytes);

    /// <summary>The needs of every registered workflow, merged into the expected state a scan is judged against.</summary>
    public static async Task<ExpectedState> AddWorkflowNeedsAsync(ExpectedState expected, ComfyDoctorDb db, CancellationToken ct)
    {
        var all = (await db.Workflows.AsNoTracking().Select(w => w.RequirementsJson).ToListAsync(ct))
            .Select(json => ReportJson.Deserialize<Requirements>(json)!).ToList();
        return expected with
        {
            RequiredNodePacks = [.. all.SelectMany(r => r.NodePacks)],
            UnresolvedNodes = [.. all.SelectMany(r => r.Unresolved)],
            RequiredModels = [.. all.SelectMany(r => r.Models)],
        };
    }

    private static async Task<Results<Ok<Requirements>, BadRequest<string>>> AddAsync(string? name, HttpRequest request, ClaimsPrincipal user,
        ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        var (needs, error) = await RegisterAsync(name, body.ToArray(), user.Identity!.Name!, db, audit, ct);
        return needs is null ? TypedResults.BadRequest(error!) : TypedResults.Ok(needs);
    }

    /// <summary>Stores (or replaces) a workflow under <paramref name="name"/> with what it needs; the error says why not.</summary>
    public static async Task<(Requirements? Needs, string? Error)> RegisterAsync(string? name, byte[] workflow, string actor,
        ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            return (null, "?name= is required: 1 to 200 printable characters");
        }

        WorkflowDocument document;
        try
        {
            document = WorkflowReader.Read(name, new MemoryStream(workflow));
        }
        catch (WorkflowFormatException e)
        {
            await audit.AppendAsync(actor, "workflow.add", name, "", "refused: " + e.Message, ct);
            return (null, e.Message);
        }

        var report = NodeResolver.Resolve([document], new ResolveOptions(NodeCatalog.Empty));
        var needs = new Requirements(report.NodePacks(), report.UnresolvedNodes(), report.Models());
        var json = System.Text.Encoding.UTF8.GetString(workflow);
        var row = await db.Workflows.FirstOrDefaultAsync(w => w.Name == name, ct);
        var requirements = ReportJson.Serialize(needs);
        if (row is null)
        {
            db.Workflows.Add(new WorkflowRow { Id = Guid.NewGuid().ToString("N"), Name = name, Json = json, RequirementsJson = requirements, AddedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        else
        {
            (row.Json, row.RequirementsJson, row.AddedAt) = (json, requirements, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        await audit.AppendAsync(actor, "workflow.add", name, $"{document.Nodes.Count} nodes", $"{needs.NodePacks.Count} packs, {needs.Unresolved.Count} unresolved, {needs.Models.Count} models", ct);
        return (needs, null);
    }
}
