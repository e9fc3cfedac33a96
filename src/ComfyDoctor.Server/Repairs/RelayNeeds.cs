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
        // At most one repair of a worker is queued or running (a unique index), so one payload is read.
        var payload = await db.Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.Kind == AgentProtocol.RepairJob && j.Status == JobStatus.Running)
            .Select(j => j.PayloadJson).FirstOrDefaultAsync(ct);
        return payload is not null && JsonSerializer.Deserialize<RepairJobPayload>(payload, ReportJson.Options) is { } repair
            && repair.Expected.Registry.Any(e => string.Equals(e.Sha256, sha, StringComparison.OrdinalIgnoreCase))
            && repair.Policy.Peers.Any(peer => peer.Worker == from && peer.Sha256s.Contains(sha, StringComparer.OrdinalIgnoreCase));
    }
}
