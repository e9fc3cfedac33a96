namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Removes what dead replicas left of relays through the database (<see cref="SharedRelay"/>): a relay whose download was not
/// seen alive (opened, a chunk taken) for <see cref="StaleAfter"/> — its replica died, or lost the database, with both ends
/// gone — and every chunk whose relay row is gone (an upload's last insert racing the download's removal). A live end gives a
/// relay up itself within <see cref="ServerOptions.RelayStall"/>; this is for the rows nobody is left to remove. Run when a
/// replica starts and before each relay opens.
/// </summary>
public static class RelaySweep
{
    /// <summary>Five times <see cref="ServerOptions.RelayStall"/>, and never under twice <see cref="ServerOptions.RelayWait"/>
    /// (a download waiting for its upload to start is not touched meanwhile).</summary>
    public static TimeSpan StaleAfter(ServerOptions options) =>
        TimeSpan.FromTicks(Math.Max(options.RelayStall.Ticks * 5, options.RelayWait.Ticks * 2));

    /// <summary>The rows removed.</summary>
    public static async Task<int> RunAsync(ComfyDoctorDb db, ServerOptions options, CancellationToken ct)
    {
        var stale = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)StaleAfter(options).TotalMilliseconds;
        var relays = await db.RelayTransfers.Where(t => t.AliveAt < stale).ExecuteDeleteAsync(ct);
        var chunks = await db.RelayChunks.Where(c => !db.RelayTransfers.Any(t => t.Id == c.RelayId)).ExecuteDeleteAsync(ct);
        return relays + chunks;
    }
}
