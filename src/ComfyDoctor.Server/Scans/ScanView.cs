using System.Text.Json.Nodes;

namespace ComfyDoctor.Server.Scans;

/// <summary>One scan as the API shows it: the worker by name, times as instants, the stored report (its first page, <see
/// cref="ReportPages"/>) as JSON.</summary>
public sealed record ScanView(
    string Id,
    string Worker,
    string JobId,
    string Status,
    bool Deep,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ScannedAt,
    JsonNode? Report
)
{
    public static ScanView From(ScanRow row, string worker, JsonNode? report) =>
        new(
            row.Id,
            worker,
            row.JobId,
            row.Status,
            row.Deep,
            DateTimeOffset.FromUnixTimeMilliseconds(row.RequestedAt),
            row.ScannedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            report
        );
}
