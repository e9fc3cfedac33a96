using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Dashboard.Data;
using ComfyDoctor.Server.Fleet;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// The fleet as the store holds it, read for one scrape of <c>/metrics</c> in a fixed number of queries: workers by category
/// and light of their latest finished scan (<c>unknown</c> before their first), agents online or offline, jobs by kind and
/// state, and the length of the audit chain.
/// </summary>
public sealed record FleetFigures(
    IReadOnlyDictionary<(string Category, string Light), long> Workers,
    long AgentsOnline,
    long AgentsOffline,
    IReadOnlyDictionary<(string Kind, string State), long> Jobs,
    long AuditRecords
)
{
    public static readonly FleetFigures Empty = new(
        new Dictionary<(string, string), long>(),
        0,
        0,
        new Dictionary<(string, string), long>(),
        0
    );

    public static async Task<FleetFigures> ReadAsync(ComfyDoctorDb db, TimeSpan onlineWindow, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().Select(w => new { w.Id, w.LastSeenAt }).ToListAsync(ct);
        var heads = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var health = await LatestScans.HealthAsync(db, [.. heads.Values.Select(h => h.Id)], ct);
        var byLight = new Dictionary<(string, string), long>();
        foreach (var worker in workers)
        {
            var lights =
                heads.TryGetValue(worker.Id, out var head) && health.TryGetValue(head.Id, out var json)
                    ? JsonSerializer.Deserialize<HealthLights>(json, ReportJson.Options)
                    : null;
            foreach (var category in HealthLights.Categories)
            {
                var key = (
                    JsonNamingPolicy.CamelCase.ConvertName(category.ToString()),
                    lights is null ? "unknown" : Lights.Name(lights[category])
                );
                byLight[key] = byLight.GetValueOrDefault(key) + 1;
            }
        }

        var since = DateTimeOffset.UtcNow.Add(-onlineWindow).ToUnixTimeMilliseconds();
        var online = workers.Count(w => w.LastSeenAt >= since);
        var jobs = await db
            .Jobs.AsNoTracking()
            .GroupBy(j => new { j.Kind, j.Status })
            .Select(g => new
            {
                g.Key.Kind,
                g.Key.Status,
                Count = g.LongCount(),
            })
            .ToListAsync(ct);
        // the chain is numbered 1, 2, 3… without gaps (AuditTrail), so its last number is its length: one index lookup for
        // each scrape instead of a count of the whole table
        var audit = await db.Audit.AsNoTracking().MaxAsync(a => (long?)a.Seq, ct) ?? 0;
        return new FleetFigures(byLight, online, workers.Count - online, jobs.ToDictionary(j => (j.Kind, j.Status), j => j.Count), audit);
    }
}
