using System.Text.Json.Nodes;

namespace ComfyDoctor.Server.Jobs;

/// <summary>One job as the API shows it, with its latest progress.</summary>
/// <param name="Result">A repair's plan, per-action results and what its re-scan proved (<c>fixed</c>, <c>stillOpen</c>).</param>
public sealed record JobView(
    string Id,
    string Worker,
    string Kind,
    string Status,
    int Attempts,
    DateTimeOffset? LeaseUntil,
    JsonNode? Progress,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? RepairId,
    string? RequestedBy,
    bool CancelRequested,
    JsonNode? Result
)
{
    public static JobView From(JobRow row, string worker) =>
        new(
            row.Id,
            worker,
            row.Kind,
            row.Status,
            row.Attempts,
            row.LeaseUntil is { } lease ? DateTimeOffset.FromUnixTimeMilliseconds(lease) : null,
            row.ProgressJson is { } p ? JsonNode.Parse(p) : null,
            row.Error,
            DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt),
            row.RepairId,
            row.RequestedBy,
            row.CancelRequested,
            row.ResultJson is { } r ? JsonNode.Parse(r) : null
        );
}
