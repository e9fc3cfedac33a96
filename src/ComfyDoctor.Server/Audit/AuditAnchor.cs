using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ComfyDoctor.Server.Audit;

/// <summary>
/// The head of the audit chain (seq and hash of the last record this server appended), kept in a file in the data folder,
/// outside the database: deleting the last records leaves an intact chain that ends before the anchor, which
/// <see cref="AuditTrail.VerifyAsync"/> reports. Written only after the record's transaction commits, and only forward.
/// </summary>
public sealed class AuditAnchor(ServerOptions options) : DbTransactionInterceptor
{
    public const string FileName = "audit-anchor";

    private readonly ConditionalWeakTable<DbContext, Head> _pending = [];
    private readonly Lock _gate = new();

    /// <summary>One record of the chain, by position and hash.</summary>
    public sealed record Head(long Seq, string Hash);

    public string Path { get; } = System.IO.Path.Combine(options.DataDir, FileName);

    /// <summary>The record just added in <paramref name="db"/>'s transaction; anchored when that transaction commits.</summary>
    public void Pending(DbContext db, Head head) => _pending.AddOrUpdate(db, head);

    /// <summary>Forgets what <paramref name="db"/> appended (its transaction failed or was rolled back).</summary>
    public void Forget(DbContext db) => _pending.Remove(db);

    /// <summary>The anchored head, or null when this server has appended nothing yet.</summary>
    public Head? Read()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var parts = text.Trim().Split(' ');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? new Head(seq, parts[1])
            : throw new InvalidDataException($"{Path}: not an audit anchor ('<seq> <hash>')");
    }

    public override void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) =>
        Committed(eventData.Context);

    public override Task TransactionCommittedAsync(
        System.Data.Common.DbTransaction transaction,
        TransactionEndEventData eventData,
        CancellationToken cancellationToken = default
    )
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) =>
        Forget(eventData.Context!);

    public override Task TransactionRolledBackAsync(
        System.Data.Common.DbTransaction transaction,
        TransactionEndEventData eventData,
        CancellationToken cancellationToken = default
    )
    {
        Forget(eventData.Context!);
        return Task.CompletedTask;
    }

    private void Committed(DbContext? db)
    {
        if (db is null || !_pending.TryGetValue(db, out var head))
        {
            return;
        }

        _pending.Remove(db);
        lock (_gate)
        {
            if (Read() is { } anchored && anchored.Seq >= head.Seq)
            {
                return; // never backwards (another replica's head may be further on)
            }

            var temp = Path + ".tmp";
            File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{head.Seq} {head.Hash}\n"));
            File.Move(temp, Path, overwrite: true);
        }
    }
}
