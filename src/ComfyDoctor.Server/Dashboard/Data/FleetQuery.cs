using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Workers;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>One worker on the fleet page: its lights come from its latest finished scan; <paramref name="Latest"/> may be newer and still
/// running.</summary>
public sealed record FleetRow(
    string Name,
    IReadOnlyList<string> Tags,
    bool Online,
    DateTimeOffset LastSeen,
    ScanHead? Latest,
    ScanHead? Finished,
    ScanSummary? Summary,
    AgentBuild? Agent = null
)
{
    /// <summary>red / yellow / green from the lights, or <c>unscanned</c>.</summary>
    public string Status => Summary is null ? "unscanned" : Lights.Name(Summary.Health.Worst);
}

/// <summary>A page of the fleet and what the filters can offer.</summary>
public sealed record FleetSlice(
    IReadOnlyList<FleetRow> Rows,
    int Total,
    int Page,
    int Pages,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, int> Counts
);

/// <summary>The fleet page's rows, filtered by status (red, yellow, green, unscanned, online, offline) and tag, paged on the
/// server.</summary>
public sealed class FleetQuery(ComfyDoctorDb db, ScanSummaries summaries, ServerOptions options)
{
    public const int PageSize = 50;

    private const int ScansAtOnce = 200;

    public static readonly IReadOnlyList<string> Statuses = ["red", "yellow", "green", "unscanned", "online", "offline"];

    public async Task<FleetSlice> PageAsync(string? status, string? tag, int page, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: false, ct);
        var finished = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        await summaries.FollowCatalogAsync(db, ct); // a catalog or pin change (on any replica) judged the latest scans again
        var unparsed = finished.Values.Where(h => !summaries.TryGet(h.Id, out _)).Select(h => h.Id).ToList();
        foreach (var chunk in unparsed.Chunk(ScansAtOnce)) // a bounded number of bound parameters per query
        {
            await summaries.LoadAsync(db, chunk, ct);
        }

        var onlineSince = DateTimeOffset.UtcNow - options.OnlineWindow;
        var rows = workers
            .Select(w =>
            {
                var done = finished.GetValueOrDefault(w.Id);
                var summary = done is not null && summaries.TryGet(done.Id, out var s) ? s : null;
                var seen = DateTimeOffset.FromUnixTimeMilliseconds(w.LastSeenAt);
                return new FleetRow(
                    w.Name,
                    w.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries),
                    seen >= onlineSince,
                    seen,
                    latest.GetValueOrDefault(w.Id),
                    done,
                    summary,
                    AgentBuild.Of(w)
                );
            })
            .ToList();

        var counts = Statuses.ToDictionary(s => s, s => rows.Count(r => Is(r, s)), StringComparer.Ordinal);
        var tags = rows.SelectMany(r => r.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var filtered = rows.Where(r =>
                (string.IsNullOrEmpty(status) || Is(r, status))
                && (string.IsNullOrEmpty(tag) || r.Tags.Contains(tag, StringComparer.Ordinal))
            )
            .ToList();
        var pages = Math.Max(1, (filtered.Count + PageSize - 1) / PageSize);
        var current = Math.Clamp(page, 1, pages);
        return new FleetSlice(
            filtered.Skip((current - 1) * PageSize).Take(PageSize).ToList(),
            filtered.Count,
            current,
            pages,
            tags,
            counts
        );
    }

    private static bool Is(FleetRow row, string status) =>
        status switch
        {
            "online" => row.Online,
            "offline" => !row.Online,
            _ => string.Equals(row.Status, status, StringComparison.Ordinal),
        };
}
