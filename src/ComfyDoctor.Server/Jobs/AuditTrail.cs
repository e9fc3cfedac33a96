using ComfyDoctor.Core.Audit;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Jobs;

/// <summary>Appends hash-chained records; appends are serialised so the chain never forks. Called inside a transaction, the
/// record joins it.</summary>
public sealed class AuditTrail(ComfyDoctorDb db)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public async Task AppendAsync(string actor, string action, string target, string parameters, string outcome, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            // Inside a caller's transaction the record commits (or rolls back) with the change it records.
            var owned = db.Database.CurrentTransaction is null;
            await using var transaction = owned ? await db.Database.BeginTransactionAsync(ct) : null;
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("LOCK TABLE audit_log IN EXCLUSIVE MODE", ct); // one chain across replicas
            }

            var last = await db.Audit.AsNoTracking().OrderByDescending(a => a.Seq).Select(a => new { a.Seq, a.Hash }).FirstOrDefaultAsync(ct);
            var seq = (last?.Seq ?? 0) + 1;
            var prev = last?.Hash ?? AuditChain.Genesis;
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            db.Audit.Add(new AuditRow
            {
                Seq = seq, At = at, Actor = actor, Action = action, Target = target, Parameters = parameters, Outcome = outcome,
                PrevHash = prev, Hash = AuditChain.Hash(seq, at, actor, action, target, parameters, outcome, prev),
            });
            await db.SaveChangesAsync(ct);
            if (transaction is not null)
            {
                await transaction.CommitAsync(ct);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Checks the whole chain: how many records, and the first problem (edited, deleted, reordered) or null.</summary>
    public async Task<(int Records, string? Problem)> VerifyAsync(CancellationToken ct)
    {
        var rows = await db.Audit.AsNoTracking().OrderBy(a => a.Seq).ToListAsync(ct);
        return (rows.Count, AuditChain.Verify(rows.Select(r => new AuditEntry(r.Seq, r.At, r.Actor, r.Action, r.Target, r.Parameters, r.Outcome, r.PrevHash, r.Hash))));
    }
}
