using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// New workers configure themselves: after a worker's first finished scan, when it enrolled with auto-repair or carries
/// one of <see cref="ServerOptions.AutoRepairTags"/>, Verify &amp; Repair is queued for it (actor <c>policy:auto-repair</c>).
/// </summary>
public sealed class AutoRepair(ComfyDoctorDb db, ServerOptions options, RepairRequests requests)
{
    public const string Actor = "policy:auto-repair";

    public async Task AfterScanAsync(string workerId, CancellationToken ct)
    {
        var worker = await db.Workers.AsNoTracking().FirstAsync(w => w.Id == workerId, ct);
        var tagged = worker
            .Tags.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Intersect(options.AutoRepairTags, StringComparer.Ordinal)
            .Any();
        if (!worker.AutoRepair && !tagged)
        {
            return;
        }

        var first =
            await db
                .Jobs.AsNoTracking()
                .CountAsync(
                    j =>
                        j.WorkerId == workerId
                        && j.Status == JobStatus.Done
                        && (j.Kind == AgentProtocol.ScanJob || j.Kind == AgentProtocol.RepairJob),
                    ct
                ) == 1;
        if (first)
        {
            await requests.SubmitAsync(
                new RepairRequests.Request([worker.Name], RepairScope.Parse([RepairScope.VerifyAndRepairAction]), false, null, null),
                Actor,
                ct
            );
        }
    }
}
