using System.Text;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Store;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// Snapshot out (issue 19.3): a worker's last finished inventory as a file ComfyUI-Manager restores, or as ours with every
/// hashed model; and <c>adopt</c>: that state, in our format, becomes the expected state of a tag in one step (audited).
/// </summary>
public sealed class SnapshotExport(ComfyDoctorDb db, SnapshotStore store, AuditTrail audit)
{
    /// <summary>The file's text, or why there is none: an unknown format, a worker without a finished scan.</summary>
    public async Task<Outcome<string>> ExportAsync(string worker, string format, CancellationToken ct)
    {
        if (!SnapshotFormats.Names.Contains(format, StringComparer.Ordinal))
        {
            return ProblemTypes.InvalidSnapshotTarget.Of(
                "format",
                $"format: '{format}' is not one of {string.Join(", ", SnapshotFormats.Names)}"
            );
        }

        if ((await LatestScans.FinishedReportsAsync(db, [worker], ct)).SingleOrDefault() is not { } report)
        {
            return ProblemTypes.NotScanned.Because($"worker '{worker}' is unknown or has no finished scan");
        }

        return SnapshotWriter.Write(SnapshotOfInventory.From(report.Inventory), format);
    }

    /// <summary>The golden worker's state as the tag's snapshot, or why not (each refusal audited).</summary>
    public async Task<Outcome<SnapshotView>> AdoptAsync(string worker, string tag, string actor, CancellationToken ct)
    {
        if (await store.TargetProblemAsync(SnapshotRow.TagScope, tag, ct) is { } badTag)
        {
            await audit.AppendAsync(actor, "snapshot.adopt", $"tag:{tag}", worker, "refused: " + badTag.Detail, ct);
            return badTag;
        }

        if ((await LatestScans.FinishedReportsAsync(db, [worker], ct)).SingleOrDefault() is not { } report)
        {
            var why = $"worker '{worker}' is unknown or has no finished scan";
            await audit.AppendAsync(actor, "snapshot.adopt", $"tag:{tag}", worker, "refused: " + why, ct);
            return ProblemTypes.NotScanned.Because(why);
        }

        var file = SnapshotWriter.Write(SnapshotOfInventory.From(report.Inventory), SnapshotFormats.ComfyDoctor);
        var source = $"adopted from worker '{worker}' (scan of {report.Inventory.ScannedAt:O})";
        return await store.ImportAsync(SnapshotRow.TagScope, tag, Encoding.UTF8.GetBytes(file), source, actor, ct, "snapshot.adopt");
    }
}
