using System.Text.Json.Nodes;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Workers;

/// <summary>One enrolled worker as <c>GET /admin/workers</c> lists it: its tags, when it was last seen, its latest scan and lights, its
/// agent build, and ComfyUI as its latest finished report says (version, commit, dirty state).</summary>
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
    /// <summary>ComfyUI's version, commit and dirty state from the latest finished scan; null before one.</summary>
    public ComfyUiState? ComfyUi { get; init; }

    /// <summary>Every worker by name, in a fixed number of queries whatever the fleet size.</summary>
    public static async Task<List<WorkerSummary>> ListAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: false, ct);
        var lights = await LatestScans.HealthAsync(db, latest.Values.Select(h => h.Id).ToList(), ct);
        var comfyUi = await ComfyUiAsync(db, ct);
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
                )
                {
                    ComfyUi = comfyUi.GetValueOrDefault(w.Id),
                };
            })
            .ToList();
    }

    /// <summary>ComfyUI as each worker's latest finished scan stored it (migration 014), by worker id: no report is read.</summary>
    private static async Task<Dictionary<string, ComfyUiState>> ComfyUiAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var finished = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var ids = finished.Values.Select(h => h.Id).ToList();
        return await db
            .Scans.AsNoTracking()
            .Where(s => ids.Contains(s.Id))
            .ToDictionaryAsync(s => s.WorkerId, s => new ComfyUiState(s.ComfyUiVersion, s.ComfyUiCommit, s.ComfyUiDirty), ct);
    }
}
