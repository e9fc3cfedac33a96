using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Security;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// The other workers a repair may copy from: per worker, the registry hashes its latest finished scan verified, and how
/// to reach it — its blob server with a token signed for it, when it listens, else the relay through this server.
/// </summary>
internal static class RepairPeers
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(6);

    /// <summary>
    /// Who holds what, from the latest finished scans: the registry hashes each worker's scan holds are joined in SQL
    /// (<c>scan_models</c> × <c>model_checksums</c>), so no worker's model list is read — 100,000 models or 10.
    /// </summary>
    public static async Task<(IReadOnlyList<PeerHoldingsWire> Holdings, IReadOnlyList<PeerEndpoint> Endpoints)> LoadAsync(
        ComfyDoctorDb db,
        BlobKeys keys,
        IReadOnlyDictionary<string, ScanHead> latest,
        CancellationToken ct
    )
    {
        var scanIds = latest.Values.Select(h => h.Id).ToList();
        var held = await db
            .ScanModels.AsNoTracking()
            .Where(m => scanIds.Contains(m.ScanId))
            .Join(db.ModelChecksums, m => m.Sha256, c => c.Sha256, (m, c) => new { m.ScanId, c.Sha256 })
            .Distinct()
            .ToListAsync(ct);
        var byScan = held.GroupBy(h => h.ScanId)
            .ToDictionary(g => g.Key, g => g.Select(h => h.Sha256).Order(StringComparer.Ordinal).ToList());
        var workers = await db.Workers.AsNoTracking().ToDictionaryAsync(w => w.Id, ct);
        var holdings = new List<PeerHoldingsWire>();
        var endpoints = new List<PeerEndpoint>();
        foreach (var (workerId, head) in latest.OrderBy(l => workers[l.Key].Name, StringComparer.Ordinal))
        {
            if (!byScan.TryGetValue(head.Id, out var shas))
            {
                continue;
            }

            var row = workers[workerId];
            holdings.Add(new PeerHoldingsWire(row.Name, shas));
            endpoints.Add(
                row is { ListenUrl: { } url, BlobKey: { } key }
                    ? new PeerEndpoint(row.Name, url, BlobToken.Issue(keys.Reveal(row.Id, key), DateTimeOffset.UtcNow + TokenLifetime))
                    : new PeerEndpoint(row.Name, null, null)
            );
        }

        return (holdings, endpoints);
    }
}
