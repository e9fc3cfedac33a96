using System.Data;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// The one way the fleet's resolution changes — a catalog import, new pins, a registered workflow, or what workers' ComfyUI
/// newly reported. The workers' <c>/object_info</c> knowledge (<see cref="FleetKnowledge"/>) and, for a change that will
/// judge them again, the latest reports are read first, outside any write transaction; then, in one transaction, the
/// change is staged, the version bumped, every registered workflow resolved again as one decision
/// (<see cref="WorkflowResolutions"/>), the latest reports judged again when needs changed (<see cref="NodeFindingsRejudge"/>)
/// and the change recorded.
/// </summary>
public sealed class FleetResolution(ComfyDoctorDb db, CatalogCache cache, ServerOptions options)
{
    /// <param name="Loaded">The catalog, pins and version the fleet was resolved with.</param>
    /// <param name="Changed">The workflows whose needs changed.</param>
    /// <param name="Known">How many packs workers' ComfyUI reported types for (evidence besides the catalog).</param>
    public sealed record Result(CatalogCache.Loaded Loaded, int Resolved, IReadOnlyList<string> Changed, int Judged, int Known);

    /// <summary>What a change does inside the transaction: stage rows (the state row is tracked), say which needs changes
    /// call for judging the reports again, record the result (audit).</summary>
    public sealed record Change(
        NodeCatalog Catalog,
        AdminPins? Pins,
        Func<CatalogStateRow, Task> Stage,
        Func<IReadOnlyList<string>, bool> JudgeWhen,
        Func<Result, Task> Record
    )
    {
        /// <summary>Read the latest reports with their findings before the transaction (a change that will judge them again);
        /// false: read inside it only if needs changed (a registration, which rarely changes other workflows' needs).</summary>
        public bool Prefetch { get; init; } = true;
    }

    public async Task<Result> RunAsync(Change change, CancellationToken ct)
    {
        var reports = change.Prefetch ? await LatestReports.LoadAsync(db, heads: true, LatestReports.FindingRows.All, ct) : [];
        var known = await FleetKnowledge.LoadAsync(db, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(
            db.Database.IsSqlite() ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted,
            ct
        );
        await db
            .CatalogState.Where(s => s.Id == CatalogStateRow.CurrentId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Version, x => x.Version + 1), ct);
        var state = await db.CatalogState.FirstAsync(s => s.Id == CatalogStateRow.CurrentId, ct);
        await change.Stage(state);
        await db.SaveChangesAsync(ct);
        var loaded = new CatalogCache.Loaded(state.Version, change.Catalog, change.Pins ?? PinsJson.Read(state.PinsJson));
        var (resolved, changed) = await WorkflowResolutions.ResolveAllAsync(db, loaded, known, ct);
        await db.SaveChangesAsync(ct);
        var judged = change.JudgeWhen(changed) ? await NodeFindingsRejudge.RunAsync(db, options, reports, ct) : [];
        var result = new Result(loaded, resolved, changed, judged.Count, known.Count);
        await change.Record(result);
        await transaction.CommitAsync(ct);
        cache.Set(loaded); // the fleet page's summaries follow the version (ScanSummaries.FollowCatalogAsync)
        return result;
    }
}
