using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// The snapshots that apply to a worker — its own, then its tags' in tag order — folded into the expected state the server
/// judges it against (<see cref="SnapshotMerge"/>). Used wherever a worker is judged or planned: a scan's result, the
/// re-judging after a snapshot or the catalog changed, a repair plan.
/// </summary>
public static class WorkerSnapshots
{
    public static async Task<ExpectedState> ApplyAsync(ComfyDoctorDb db, ExpectedState expected, WorkerRow worker, CancellationToken ct) =>
        SnapshotMerge.Apply(expected, await ForAsync(db, worker, ct));

    public static async Task<IReadOnlyList<AppliedSnapshot>> ForAsync(ComfyDoctorDb db, WorkerRow worker, CancellationToken ct)
    {
        var tags = TagsOf(worker);
        var rows = await db
            .Snapshots.AsNoTracking()
            .Where(s =>
                (s.Scope == SnapshotRow.WorkerScope && s.Name == worker.Name) || (s.Scope == SnapshotRow.TagScope && tags.Contains(s.Name))
            )
            .ToListAsync(ct);
        return
        [
            .. rows.OrderBy(r => r.Scope == SnapshotRow.WorkerScope ? 0 : 1)
                .ThenBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => new AppliedSnapshot(r.Label, SnapshotReader.Read(r.Content, r.Label))),
        ];
    }

    public static List<string> TagsOf(WorkerRow worker) => [.. worker.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries)];
}
