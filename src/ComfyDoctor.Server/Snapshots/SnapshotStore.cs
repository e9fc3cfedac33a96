using System.Data;
using System.Security.Cryptography;
using System.Text;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Snapshots;

/// <summary>
/// Snapshots as the expected state of a tag or of one worker (issue 19.2): imported (the file kept as it is, after it
/// parsed), replaced, deleted — each change audited, and every worker's latest report judged again in the same transaction
/// (<see cref="Catalog.NodeFindingsRejudge"/>), so findings and plans follow at once, without a scan.
/// </summary>
public sealed class SnapshotStore(ComfyDoctorDb db, ServerOptions options, AuditTrail audit)
{
    /// <summary>The stored snapshot, or why not: a bad tag, an unknown worker, a malformed file (each refusal audited).</summary>
    public async Task<Outcome<SnapshotView>> ImportAsync(
        string scope,
        string name,
        byte[] file,
        string source,
        string actor,
        CancellationToken ct,
        string action = "snapshot.import"
    )
    {
        var target = $"{scope}:{name}";
        if (await TargetProblemAsync(scope, name, ct) is { } refused)
        {
            await audit.AppendAsync(actor, "snapshot.import", target, source, "refused: " + refused.Detail, ct);
            return refused;
        }

        SnapshotFile read;
        try
        {
            read = SnapshotReader.ReadFile(file, source);
        }
        catch (SnapshotFormatException e)
        {
            await audit.AppendAsync(actor, "snapshot.import", target, source, "refused: " + e.Message, ct);
            return ProblemTypes.InvalidSnapshot.Because(e.Message);
        }

        await using var transaction = await BeginAsync(ct);
        var row = await db.Snapshots.FirstOrDefaultAsync(s => s.Scope == scope && s.Name == name, ct);
        var replaced = row?.Sha256;
        if (row is null)
        {
            row = new SnapshotRow
            {
                Scope = scope,
                Name = name,
                Format = "",
                Content = "",
                Sha256 = "",
                Source = "",
                ImportedBy = "",
            };
            db.Snapshots.Add(row);
        }

        var snapshot = read.Snapshot;
        row.Format = read.Format;
        row.Content = Encoding.UTF8.GetString(file);
        row.Sha256 = Convert.ToHexStringLower(SHA256.HashData(file));
        (row.Source, row.ImportedAt, row.ImportedBy) = (source, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), actor);
        await db.SaveChangesAsync(ct);
        var judged = await JudgeAgainAsync(ct);
        await audit.AppendAsync(
            actor,
            action,
            target,
            $"{source}, SHA-256 {row.Sha256}{(replaced is null ? "" : $", replacing {replaced}")}",
            $"{snapshot.GitPacks.Count} git packs, {snapshot.CnrPacks.Count} registry packs, {snapshot.Pips.Count} pips; "
                + $"{judged} latest reports judged again",
            ct
        );
        await transaction.CommitAsync(ct);
        return SnapshotView.From(row);
    }

    /// <summary>How many latest reports were judged again, or why nothing was deleted.</summary>
    public async Task<Outcome<int>> DeleteAsync(string scope, string name, string actor, CancellationToken ct)
    {
        await using var transaction = await BeginAsync(ct);
        var row = await db.Snapshots.FirstOrDefaultAsync(s => s.Scope == scope && s.Name == name, ct);
        if (row is null)
        {
            return ProblemTypes.SnapshotNotFound.Because($"no snapshot of {scope} '{name}'");
        }

        db.Snapshots.Remove(row);
        await db.SaveChangesAsync(ct);
        var judged = await JudgeAgainAsync(ct);
        await audit.AppendAsync(
            actor,
            "snapshot.delete",
            $"{scope}:{name}",
            $"SHA-256 {row.Sha256}",
            $"{judged} latest reports judged again",
            ct
        );
        await transaction.CommitAsync(ct);
        return judged;
    }

    public async Task<List<SnapshotView>> ListAsync(CancellationToken ct) =>
        [
            .. (await db.Snapshots.AsNoTracking().OrderBy(s => s.Scope).ThenBy(s => s.Name).ToListAsync(ct))
                .OrderBy(s => s.Scope, StringComparer.Ordinal)
                .ThenBy(s => s.Name, StringComparer.Ordinal)
                .Select(SnapshotView.From),
        ];

    public async Task<Outcome<SnapshotRow>> GetAsync(string scope, string name, CancellationToken ct) =>
        await db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Scope == scope && s.Name == name, ct) is { } row
            ? row
            : ProblemTypes.SnapshotNotFound.Because($"no snapshot of {scope} '{name}'");

    /// <summary>A tag as enrolment accepts it (1 to 64 printable characters, no comma); a worker that is enrolled.</summary>
    public async Task<Refusal?> TargetProblemAsync(string scope, string name, CancellationToken ct)
    {
        if (scope == SnapshotRow.TagScope)
        {
            return
                string.IsNullOrWhiteSpace(name)
                || name.Length > 64
                || name.Contains(',', StringComparison.Ordinal)
                || name.Any(char.IsControl)
                ? ProblemTypes.InvalidSnapshotTarget.Of("tag", "a tag is 1 to 64 printable characters without commas")
                : null;
        }

        return scope == SnapshotRow.WorkerScope && await db.Workers.AnyAsync(w => w.Name == name, ct)
            ? null
            : ProblemTypes.UnknownWorker.Because($"no worker named '{name}'");
    }

    private async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginAsync(CancellationToken ct) =>
        await db.Database.BeginTransactionAsync(db.Database.IsSqlite() ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted, ct);

    /// <summary>Judges the latest reports again; the fleet page's cached summaries follow the catalog state's version, bumped
    /// here.</summary>
    private async Task<int> JudgeAgainAsync(CancellationToken ct)
    {
        await db
            .CatalogState.Where(s => s.Id == Catalog.CatalogStateRow.CurrentId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Version, x => x.Version + 1), ct);
        return (await Catalog.NodeFindingsRejudge.RunAsync(db, options, [], ct)).Count; // every latest report, read inside the transaction
    }
}
