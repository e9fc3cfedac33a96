using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// The other workers a repair may copy from: per worker, the registry hashes its latest finished scan verified, and how
/// to reach it — its blob server with a token signed for it, when it listens, else the relay through this server.
/// </summary>
internal static class RepairPeers
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(6);

    public static async Task<(IReadOnlyList<PeerHoldingsWire> Holdings, IReadOnlyList<PeerEndpoint> Endpoints)> LoadAsync(
        ComfyDoctorDb db, BlobKeys keys, ModelRegistry registry, IReadOnlyList<LatestReport> latest, CancellationToken ct)
    {
        var known = registry.Entries.Select(e => e.Sha256.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var workers = await db.Workers.AsNoTracking().ToDictionaryAsync(w => w.Id, ct);
        var holdings = new List<PeerHoldingsWire>();
        var endpoints = new List<PeerEndpoint>();
        foreach (var (workerId, _, report) in latest)
        {
            var row = workers[workerId];
            var shas = report.Inventory.Models.Select(m => m.Sha256?.ToLowerInvariant()).OfType<string>().Where(known.Contains).Distinct().ToList();
            if (shas.Count == 0)
            {
                continue;
            }

            holdings.Add(new PeerHoldingsWire(row.Name, shas));
            endpoints.Add(row is { ListenUrl: { } url, BlobKey: { } key }
                ? new PeerEndpoint(row.Name, url, BlobToken.Issue(keys.Reveal(row.Id, key), DateTimeOffset.UtcNow + TokenLifetime))
                : new PeerEndpoint(row.Name, null, null));
        }

        return (holdings, endpoints);
    }

    /// <summary>Each worker's latest finished report, parsed, with its scan id (<see cref="LatestScans"/>): read once per request.</summary>
    public static async Task<IReadOnlyList<LatestReport>> LatestReportsAsync(ComfyDoctorDb db, CancellationToken ct)
    {
        var heads = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var reports = await LatestScans.ReportsAsync(db, heads.Values.Select(h => h.Id).ToList(), ct);
        return heads.Values.Where(h => reports.ContainsKey(h.Id))
            .Select(h => (h.WorkerId, h.Id, Report: ReportJson.Deserialize<WorkerReport>(reports[h.Id])))
            .Where(r => r.Report is not null)
            .Select(r => new LatestReport(r.WorkerId, r.Id, r.Report!)).ToList();
    }
}

/// <summary>A worker's latest finished report and the scan it came from.</summary>
internal sealed record LatestReport(string WorkerId, string ScanId, WorkerReport Report);
