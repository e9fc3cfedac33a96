using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// At start: blob-signing keys stored in plain text by an older version are protected in place (the agents keep the key
/// they hold, so their blob servers go on accepting the server's tokens); a key that this server's master key cannot open
/// stops the start with the reason, rather than handing out tokens no agent accepts.
/// </summary>
public static partial class BlobKeyMigration
{
    public static async Task RunAsync(ComfyDoctorDb db, BlobKeys keys, ILogger logger, CancellationToken ct)
    {
        var stored = await db
            .Workers.AsNoTracking()
            .Where(w => w.BlobKey != null)
            .Select(w => new
            {
                w.Id,
                w.Name,
                Key = w.BlobKey!,
            })
            .ToListAsync(ct);
        var migrated = 0;
        var sqlite = db.Database.IsSqlite() && stored.Any(w => !BlobKeys.IsProtected(w.Key));
        if (sqlite)
        {
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA secure_delete = ON", ct); // the plain bytes are zeroed, not left in free space
        }

        foreach (var worker in stored)
        {
            if (BlobKeys.IsProtected(worker.Key))
            {
                try
                {
                    keys.Reveal(worker.Id, worker.Key);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"worker '{worker.Name}': {e.Message}", e);
                }

                continue;
            }

            var plain = worker.Key;
            migrated += await db
                .Workers.Where(w => w.Id == worker.Id && w.BlobKey == plain)
                .ExecuteUpdateAsync( // another replica may have done it
                    s => s.SetProperty(w => w.BlobKey, keys.Protect(worker.Id, plain)),
                    ct
                );
        }

        if (sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct); // and the old pages leave the WAL
            await db.Database.ExecuteSqlRawAsync("PRAGMA secure_delete = OFF", ct);
            await db.Database.CloseConnectionAsync();
        }

        if (migrated > 0)
        {
            Sealed(logger, migrated);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "{Count} blob-signing key(s) were stored in plain text; now protected with the master key"
    )]
    private static partial void Sealed(ILogger logger, int count);
}
