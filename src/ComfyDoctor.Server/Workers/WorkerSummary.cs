using System.Text.Json.Nodes;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Workers;

/// <summary>One enrolled worker as <c>GET /admin/workers</c> lists it: its tags, when it was last seen, its latest scan and lights, its
/// agent build.</summary>
public sealed record WorkerSummary(
    string Name,
    IReadOnlyList<string> Tags,
    DateTimeOffset LastSeenAt,
    string? LastScanId,
    string? LastScanStatus,
    JsonNode? Health,
    AgentBuild? Agent
)
{
    /// <summary>Every worker by name, in a fixed number of queries whatever the fleet size.</summary>
    public static async Task<List<WorkerSummary>> ListAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: false, ct);
        var lights = await LatestScans.HealthAsync(db, latest.Values.Select(h => h.Id).ToList(), ct);
        return workers
            .Select(w =>
            {
                var scan = latest.GetValueOrDefault(w.Id);
                var health = scan is not null && lights.TryGetValue(scan.Id, out var json) ? JsonNode.Parse(json) : null;
                return new WorkerSummary(
                    w.Name,
                    w.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries),
                    DateTimeOffset.FromUnixTimeMilliseconds(w.LastSeenAt),
                    scan?.Id,
                    scan?.Status,
                    health,
                    AgentBuild.Of(w)
                );
            })
            .ToList();
    }
}
