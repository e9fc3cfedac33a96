using System.Data;
using ComfyDoctor.Core.Audit;

namespace ComfyDoctor.Server.Audit;

/// <summary>
/// Appends hash-chained records. A state change and its record are one transaction: <see cref="AppendAsync"/> saves the
/// caller's pending changes (tracked by the same context) together with the record, or joins the caller's transaction,
/// so neither exists without the other. Appends are serialised across threads, processes and replicas, so the chain
/// never forks; the head is anchored outside the database (<see cref="AuditAnchor"/>) so that deleting the last
/// records is detected too.
/// </summary>
public sealed class AuditTrail(ComfyDoctorDb db, AuditAnchor anchor)
{
    private static readonly SemaphoreSlim Gate = new(1, 1); // saves waiting on the database's lock within one process

    public async Task AppendAsync(string actor, string action, string target, string parameters, string outcome, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            var owned = db.Database.CurrentTransaction is null;
            // SQLite: a non-deferred transaction is BEGIN IMMEDIATE, so the file's write lock is held before the head is
            // read — two server processes on one file append one after the other. PostgreSQL: the table lock below.
            await using var transaction = owned
                ? await db.Database.BeginTransactionAsync(
                    db.Database.IsSqlite() ? IsolationLevel.Serializable : IsolationLevel.Unspecified,
                    ct
                )
                : null;
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("LOCK TABLE audit_log IN EXCLUSIVE MODE", ct); // one chain across replicas
            }

            var last = await db
                .Audit.AsNoTracking()
                .OrderByDescending(a => a.Seq)
                .Select(a => new { a.Seq, a.Hash })
                .FirstOrDefaultAsync(ct);
            var seq = (last?.Seq ?? 0) + 1;
            var prev = last?.Hash ?? AuditChain.Genesis;
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var hash = AuditChain.Hash(seq, at, actor, action, target, parameters, outcome, prev);
            db.Audit.Add(
                new AuditRow
                {
                    Seq = seq,
                    At = at,
                    Actor = actor,
                    Action = action,
                    Target = target,
                    Parameters = parameters,
                    Outcome = outcome,
                    PrevHash = prev,
                    Hash = hash,
                }
            );
            await db.SaveChangesAsync(ct); // the caller's pending changes and the record
            anchor.Pending(db, new AuditAnchor.Head(seq, hash));
            if (transaction is not null)
            {
                await transaction.CommitAsync(ct);
            }
        }
        catch
        {
            anchor.Forget(db);
            throw;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The chain checked: how many records, and the first problem (edited, deleted, reordered, truncated) or null.</summary>
    public sealed record Verification(int Records, string? Problem)
    {
        public bool Intact => Problem is null;
    }

    /// <summary>Checks the whole chain and that it reaches the anchored head.</summary>
    public async Task<Verification> VerifyAsync(CancellationToken ct)
    {
        var rows = await db.Audit.AsNoTracking().OrderBy(a => a.Seq).ToListAsync(ct);
        var problem = AuditChain.Verify(
            rows.Select(r => new AuditEntry(r.Seq, r.At, r.Actor, r.Action, r.Target, r.Parameters, r.Outcome, r.PrevHash, r.Hash))
        );
        return new Verification(rows.Count, problem ?? Truncation(rows));
    }

    private string? Truncation(List<AuditRow> rows)
    {
        if (anchor.Read() is not { } head)
        {
            return null;
        }

        var anchored = rows.FirstOrDefault(r => r.Seq == head.Seq);
        var end = rows.Count == 0 ? 0 : rows[^1].Seq;
        return anchored is null ? $"the chain ends at record {end} but {anchor.Path} names record {head.Seq}: the last records were deleted"
            : anchored.Hash == head.Hash ? null
            : $"record {head.Seq} differs from the head anchored in {anchor.Path}: the end of the chain was rewritten";
    }
}
