using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Whether a relayed blob is one the asking worker needs now: it runs a repair (its job is running) whose confirmed plan
/// syncs a model of that hash with <c>from</c> among its peer sources. Anything else — an enrolled agent pulling registry
/// models from its peers at will — is refused.
/// </summary>
internal static class RelayNeeds
{
    public static async Task<bool> AllowsAsync(ComfyDoctorDb db, string workerId, string sha, string from, CancellationToken ct)
    {
        // At most one repair of a worker is queued or running (a unique index), so one payload is read.
        var job = await db
            .Jobs.AsNoTracking()
            .Where(j => j.WorkerId == workerId && j.Kind == AgentProtocol.RepairJob && j.Status == JobStatus.Running)
            .FirstOrDefaultAsync(ct);
        return job is not null
            && PlannedJobs.PayloadOf(job) is { } repair
            && repair.Plan.Actions.Any(a =>
                a.Kind == RepairActionKinds.SyncModel
                && string.Equals(a.Model?.Sha256, sha, StringComparison.OrdinalIgnoreCase)
                && a.Sources.Any(s => s.Kind == ModelSourceKinds.Peer && s.Name == from)
            );
    }
}
