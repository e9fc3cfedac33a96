using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyDoctor.Server.Store;

namespace ComfyDoctor.Server.Scans;

/// <summary>A registry entry as the API shows it.</summary>
public sealed record ModelView(string Identity, string Sha256, long? Size, IReadOnlyList<string> Urls, string? Kind = null, string? Family = null)
{
    public static ModelView From(ModelChecksumRow row) =>
        new(row.Identity, row.Sha256, row.Size, JsonSerializer.Deserialize<List<string>>(row.UrlsJson) ?? [], row.Kind, row.Family);
}

/// <summary>One scan as the API shows it: the worker by name, times as instants, the stored report (its first page, <see cref="ReportPages"/>) as JSON.</summary>
public sealed record ScanView(string Id, string Worker, string JobId, string Status, bool Deep, DateTimeOffset RequestedAt, DateTimeOffset? ScannedAt, JsonNode? Report)
{
    public static ScanView From(ScanRow row, string worker, JsonNode? report) => new(row.Id, worker, row.JobId, row.Status, row.Deep,
        DateTimeOffset.FromUnixTimeMilliseconds(row.RequestedAt), row.ScannedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null, report);
}

/// <summary>One job as the API shows it, with its latest progress.</summary>
/// <param name="Result">A repair's plan, per-action results and what its re-scan proved (<c>fixed</c>, <c>stillOpen</c>).</param>
public sealed record JobView(string Id, string Worker, string Kind, string Status, int Attempts, DateTimeOffset? LeaseUntil, JsonNode? Progress,
    string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? RepairId, string? RequestedBy, bool CancelRequested, JsonNode? Result)
{
    public static JobView From(JobRow row, string worker) => new(row.Id, worker, row.Kind, row.Status, row.Attempts,
        row.LeaseUntil is { } lease ? DateTimeOffset.FromUnixTimeMilliseconds(lease) : null, row.ProgressJson is { } p ? JsonNode.Parse(p) : null,
        row.Error, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt),
        row.RepairId, row.RequestedBy, row.CancelRequested, row.ResultJson is { } r ? JsonNode.Parse(r) : null);
}

/// <summary>One audit record as the API shows it: <c>at</c> as an instant besides the hashed Unix milliseconds.</summary>
public sealed record AuditView(long Seq, DateTimeOffset Time, long At, string Actor, string Action, string Target, string Parameters, string Outcome, string PrevHash, string Hash)
{
    public static AuditView From(AuditRow r) =>
        new(r.Seq, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.At, r.Actor, r.Action, r.Target, r.Parameters, r.Outcome, r.PrevHash, r.Hash);
}
