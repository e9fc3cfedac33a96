using System.Security.Claims;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Scans;

/// <summary>
/// Integrity scans: <c>POST /admin/integrity-scan {workers?, deep?}</c> (202, one scan per worker),
/// <c>GET /admin/integrity-report/{worker}</c> (its latest report, paged) and <c>GET /admin/scans/{id}</c>.
/// </summary>
public static class ScanApi
{
    public sealed record ScanRequest(IReadOnlyList<string>? Workers, bool? Deep);

    public static void MapScans(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup("Scans");
        admin.MapPost("/integrity-scan", RequestAsync);
        admin.MapGet("/integrity-report/{worker}", ReportAsync);
        admin.MapGet(
            "/scans/{id}",
            async Task<Results<Ok<ScanView>, ProblemHttpResult>> (string id, WorkerReports reports, CancellationToken ct) =>
                (await reports.ScanAsync(id, ct)).OkOrProblem()
        );
    }

    private static async Task<Results<Accepted<IReadOnlyList<ScanRequests.Started>>, ProblemHttpResult>> RequestAsync(
        ScanRequest request,
        ClaimsPrincipal user,
        ScanRequests scans,
        CancellationToken ct
    )
    {
        var outcome = await scans.QueueAsync(request.Workers, request.Deep ?? false, user.Identity!.Name!, ct);
        return outcome.Refusal is { } refusal ? refusal.ToProblem() : TypedResults.Accepted("/admin/scans", outcome.Value);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReportAsync(
        string worker,
        int? findingsOffset,
        int? modelsOffset,
        int? limit,
        WorkerReports reports,
        CancellationToken ct
    )
    {
        var outcome = await reports.LatestAsync(worker, new ReportPages.Query(findingsOffset, modelsOffset, limit), ct);
        return outcome.Value is { } body
            ? TypedResults.Content(body.ToJsonString(ReportJson.Options), "application/json")
            : outcome.Refusal!.ToProblem();
    }
}
