using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Scans;

/// <summary>
/// A stored report as the API serves it: the <c>check --json</c> shape with one page of its findings and one page of its
/// models, and <c>paging</c> saying where the page starts, how long it is and how many there are
/// (<c>?findingsOffset=&amp;modelsOffset=&amp;limit=</c>). A report of 100,000 models is served 1,000 at a time by default.
/// </summary>
public static class ReportPages
{
    public const int DefaultLimit = 1_000;

    public const int MaxLimit = 10_000;

    public sealed record Query(int? FindingsOffset, int? ModelsOffset, int? Limit)
    {
        public static readonly Query First = new(null, null, null);

        public int Take => Math.Clamp(Limit ?? DefaultLimit, 1, MaxLimit);
    }

    /// <summary>The page, or null when the scan has no report.</summary>
    public static async Task<JsonObject?> BuildAsync(ComfyDoctorDb db, string scanId, Query query, CancellationToken ct)
    {
        if (await StoredReports.HeadAsync(db, scanId, ct) is not { } head)
        {
            return null;
        }

        var (findingsFrom, modelsFrom) = (Math.Max(0, query.FindingsOffset ?? 0), Math.Max(0, query.ModelsOffset ?? 0));
        var findings = await StoredReports.FindingsAsync(db, scanId, null, findingsFrom, query.Take, ct);
        var models = await StoredReports.ModelsAsync(db, scanId, modelsFrom, query.Take, ct);
        var body = JsonSerializer
            .SerializeToNode(head with { Findings = findings, Inventory = head.Inventory with { Models = models } }, ReportJson.Options)!
            .AsObject();
        body["paging"] = new JsonObject
        {
            ["limit"] = query.Take,
            ["findings"] = new JsonObject
            {
                ["offset"] = findingsFrom,
                ["total"] = await StoredReports.FindingCountAsync(db, scanId, null, ct),
            },
            ["models"] = new JsonObject { ["offset"] = modelsFrom, ["total"] = await StoredReports.ModelCountAsync(db, scanId, ct) },
        };
        return body;
    }
}
