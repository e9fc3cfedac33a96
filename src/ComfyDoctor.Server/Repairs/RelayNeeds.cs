using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Whether a relayed blob is one the asking worker needs now: it runs a repair (its job is running) whose expected
/// registry holds that hash and whose plan was offered <c>from</c> as a peer holding it. Anything else — an enrolled agent
/// pulling registry models from its peers at will — is refused.
/// </summary>
internal static class RelayNeeds
{
    public static async Task<bool> AllowsAsync(ComfyDoctorDb db, string workerId, string sha, string from, CancellationToken ct)
    {
        var payloads = await db.Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.Kind == AgentProtocol.RepairJob && j.Status == JobStatus.Running)
            .Select(j => j.PayloadJson).ToListAsync(ct);
        return payloads.Select(p => JsonSerializer.Deserialize<RepairJobPayload>(p, ReportJson.Options)).Any(repair => repair is not null
            && repair.Expected.Registry.Any(e => string.Equals(e.Sha256, sha, StringComparison.OrdinalIgnoreCase))
            && repair.Policy.Peers.Any(peer => peer.Worker == from && peer.Sha256s.Contains(sha, StringComparer.OrdinalIgnoreCase)));
    }
}
