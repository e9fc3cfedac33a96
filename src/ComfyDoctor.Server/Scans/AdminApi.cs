using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Dependencies;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Repairs;
using ComfyDoctor.Server.Schedule;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Store;
using ComfyDoctor.Server.Workers;
using ComfyDoctor.Server.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Scans;

/// <summary>The admin API: scans, reports, workers, the model registry and the audit trail. Admin token only.</summary>
public static class AdminApi
{
    public sealed record ScanRequest(IReadOnlyList<string>? Workers, bool? Deep);

    public sealed record WorkerSummary(string Name, IReadOnlyList<string> Tags, DateTimeOffset LastSeenAt, string? LastScanId, string? LastScanStatus, JsonNode? Health,
        AgentBuild? Agent);

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(TokenAuthentication.AdminRole);
        admin.MapPost("/integrity-scan", RequestScansAsync);
        admin.MapGet("/integrity-report/{worker}", ReportAsync);
        admin.MapGet("/workers", WorkersAsync);
        admin.MapGet("/scans/{id}", ScanAsync);
        admin.MapGet("/jobs/{id}", JobAsync);
        admin.MapGet("/compare", CompareAsync);
        admin.MapPost("/models", ImportModelsAsync);
        admin.MapPost("/models/adopt/{worker}", RegistryAdoption.AdoptAsync);
        admin.MapWorkflowApi();
        admin.MapScheduleApi();
        admin.MapDependencyApi();
        admin.MapRepairApi();
        admin.MapGet("/models", async (ComfyDoctorDb db, CancellationToken ct) =>
            TypedResults.Ok((await db.ModelChecksums.AsNoTracking().OrderBy(m => m.Identity).ToListAsync(ct)).Select(ModelView.From).ToList()));
        admin.MapGet("/audit", async (int? page, int? size, ComfyDoctorDb db, CancellationToken ct) =>
        {
            var take = Math.Clamp(size ?? 50, 1, 500);
            var skip = Math.Max(0, (page ?? 1) - 1) * take;
            return TypedResults.Ok((await db.Audit.AsNoTracking().OrderBy(a => a.Seq).Skip(skip).Take(take).ToListAsync(ct)).Select(AuditView.From).ToList());
        });
        admin.MapGet("/audit/verify", async (AuditTrail audit, CancellationToken ct) =>
        {
            var (records, problem) = await audit.VerifyAsync(ct);
            return TypedResults.Ok(new { records, intact = problem is null, problem });
        });
    }

    private static async Task<Results<Ok<ScanView>, NotFound<string>>> ScanAsync(string id, ComfyDoctorDb db, CancellationToken ct)
    {
        var found = await db.Scans.AsNoTracking().Where(s => s.Id == id)
            .Join(db.Workers, s => s.WorkerId, w => w.Id, (s, w) => new { Scan = s, Worker = w.Name }).FirstOrDefaultAsync(ct);
        return found is null ? TypedResults.NotFound($"no scan '{id}'")
            : TypedResults.Ok(ScanView.From(found.Scan, found.Worker, await ReportPages.BuildAsync(db, id, ReportPages.Query.First, ct)));
    }

    private static async Task<Results<Ok<JobView>, NotFound<string>>> JobAsync(string id, ComfyDoctorDb db, CancellationToken ct)
    {
        var found = await db.Jobs.AsNoTracking().Where(j => j.Id == id)
            .Join(db.Workers, j => j.WorkerId, w => w.Id, (j, w) => new { Job = j, Worker = w.Name }).FirstOrDefaultAsync(ct);
        return found is null ? TypedResults.NotFound($"no job '{id}'") : TypedResults.Ok(JobView.From(found.Job, found.Worker));
    }

    private static async Task<Results<Accepted<IReadOnlyList<ScanRequests.Started>>, NotFound<string>>> RequestScansAsync(
        ScanRequest request, ClaimsPrincipal user, ScanRequests scans, AuditTrail audit, CancellationToken ct)
    {
        var (started, unknown) = await scans.QueueAsync(request.Workers, request.Deep ?? false, user.Identity!.Name!, ct);
        if (unknown.Count > 0)
        {
            var why = $"unknown workers: {string.Join(", ", unknown)}";
            await audit.AppendAsync(user.Identity!.Name!, "scan.request", string.Join(",", request.Workers ?? []), $"deep={request.Deep ?? false}", "refused: " + why, ct);
            return TypedResults.NotFound(why);
        }

        return TypedResults.Accepted("/admin/scans", started);
    }

    /// <summary>The latest finished report (the <c>check --json</c> shape, its findings and models paged: <see cref="ReportPages"/>)
    /// plus <c>scanId</c> and <c>status</c>; a newer scan still queued or running is named in <c>pending</c> with its agent's latest progress.</summary>
    private static async Task<Results<ContentHttpResult, NotFound<string>>> ReportAsync(string worker, int? findingsOffset, int? modelsOffset, int? limit,
        ComfyDoctorDb db, CancellationToken ct)
    {
        var row = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == worker, ct);
        if (row is null)
        {
            return TypedResults.NotFound($"unknown worker '{worker}'");
        }

        var scans = db.Scans.AsNoTracking().Where(s => s.WorkerId == row.Id).OrderByDescending(s => s.RequestedAt);
        var latest = await scans.Select(s => new { s.Id, s.Status, s.JobId }).FirstOrDefaultAsync(ct);
        var done = await scans.Where(s => s.Status == JobStatus.Done).Select(s => new { s.Id, s.Status }).FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            return TypedResults.NotFound($"worker '{worker}' has not been scanned yet");
        }

        var body = (done is null ? null : await ReportPages.BuildAsync(db, done.Id, new ReportPages.Query(findingsOffset, modelsOffset, limit), ct))
            ?? new JsonObject { ["worker"] = worker };
        body["scanId"] = done?.Id;
        body["status"] = done?.Status ?? latest.Status;
        if (latest.Id != done?.Id)
        {
            var progress = await db.Jobs.AsNoTracking().Where(j => j.Id == latest.JobId).Select(j => j.ProgressJson).FirstOrDefaultAsync(ct);
            body["pending"] = new JsonObject
            {
                ["scanId"] = latest.Id, ["status"] = latest.Status, ["progress"] = progress is null ? null : JsonNode.Parse(progress),
            };
        }

        return TypedResults.Content(body.ToJsonString(ReportJson.Options), "application/json");
    }

    /// <summary>
    /// The latest finished inventories of the named workers (all when none are named), lined up attribute by attribute: every
    /// pack, runtime and disk line, and one page of the model lines that differ (<c>?offset=&amp;limit=</c>, <see cref="BoundedComparison"/>;
    /// <c>all=true</c>: a page of every model line).
    /// </summary>
    private static async Task<Results<Ok<BoundedComparisonResult>, BadRequest<string>>> CompareAsync(string? workers, string? reference, int? offset, int? limit,
        bool? all, ComfyDoctorDb db, CancellationToken ct)
    {
        var names = string.IsNullOrWhiteSpace(workers) ? null : workers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        reference = string.IsNullOrWhiteSpace(reference) ? null : reference;
        var heads = await LatestScans.FinishedHeadsAsync(db, names, ct);
        var missing = (names ?? []).Except(heads.Select(h => h.Worker), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return TypedResults.BadRequest($"no finished scan for: {string.Join(", ", missing)}");
        }

        try
        {
            var result = await BoundedComparison.CompareAsync(db, heads.Select(h => h.Head).ToList(), reference, offset ?? 0, limit ?? BoundedComparison.DefaultLimit, ct,
                all ?? false);
            return TypedResults.Ok(result ?? new BoundedComparisonResult([], reference, [], new ModelLines(0, 0, 0, 0)));
        }
        catch (ArgumentException e)
        {
            return TypedResults.BadRequest(e.Message);
        }
    }

    private static async Task<Ok<List<WorkerSummary>>> WorkersAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: false, ct);
        var lights = await LatestScans.HealthAsync(db, latest.Values.Select(h => h.Id).ToList(), ct);
        var summaries = new List<WorkerSummary>();
        foreach (var w in workers)
        {
            var scan = latest.GetValueOrDefault(w.Id);
            var health = scan is not null && lights.TryGetValue(scan.Id, out var json) ? JsonNode.Parse(json) : null;
            summaries.Add(new WorkerSummary(w.Name, w.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries),
                DateTimeOffset.FromUnixTimeMilliseconds(w.LastSeenAt), scan?.Id, scan?.Status, health, AgentBuild.Of(w)));
        }

        return TypedResults.Ok(summaries);
    }

    private static async Task<Results<Ok<int>, BadRequest<string>>> ImportModelsAsync(HttpRequest request, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var (count, error) = await ImportRegistryAsync(await reader.ReadToEndAsync(ct), "request body", user.Identity!.Name!, db, audit, ct);
        return error is null ? TypedResults.Ok(count) : TypedResults.BadRequest(error);
    }

    /// <summary>Adds or replaces the registry entries of a registry file (JSON or YAML); the error says why nothing was imported.</summary>
    public static async Task<(int Count, string? Error)> ImportRegistryAsync(string text, string source, string actor, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        ModelRegistry registry;
        try
        {
            registry = RegistryFileReader.Read(source, new StringReader(text));
        }
        catch (RegistryFormatException e)
        {
            await audit.AppendAsync(actor, "registry.import", "model_checksums", "", "refused: " + e.Message, ct);
            return (0, e.Message);
        }

        foreach (var entry in registry.Entries)
        {
            var row = await db.ModelChecksums.FirstOrDefaultAsync(m => m.Identity == entry.Identity, ct);
            var urls = JsonSerializer.Serialize(entry.Urls);
            if (row is null)
            {
                db.ModelChecksums.Add(new ModelChecksumRow
                {
                    Identity = entry.Identity, Sha256 = entry.Sha256, Size = entry.Size, UrlsJson = urls, Kind = entry.Kind, Family = entry.Family,
                });
            }
            else
            {
                (row.Sha256, row.Size, row.UrlsJson, row.Kind, row.Family) = (entry.Sha256, entry.Size, urls, entry.Kind, entry.Family);
            }
        }

        await audit.AppendAsync(actor, "registry.import", "model_checksums", $"{registry.Entries.Count} entries", "ok", ct);
        return (registry.Entries.Count, null);
    }
}
