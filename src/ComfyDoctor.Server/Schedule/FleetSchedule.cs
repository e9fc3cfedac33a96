using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;
using Cronos;

namespace ComfyDoctor.Server.Schedule;

/// <summary>The fleet's scan schedule: one standard 5-field cron expression (UTC), read and set here, fired by <see
/// cref="Scheduler"/>.</summary>
public sealed class FleetSchedule(ComfyDoctorDb db, AuditTrail audit, ServerOptions options)
{
    public const string Id = "fleet";

    public sealed record Setting(string Cron, bool Deep, DateTimeOffset NextRun);

    /// <summary>The next firing of <paramref name="cron"/> after <paramref name="after"/> (Unix milliseconds), or null when it never
    /// fires.</summary>
    public static long? Next(string cron, DateTimeOffset after) =>
        CronExpression.Parse(cron).GetNextOccurrence(after.UtcDateTime, TimeZoneInfo.Utc) is { } next
            ? new DateTimeOffset(next).ToUnixTimeMilliseconds()
            : null;

    public async Task<Setting?> ReadAsync(CancellationToken ct) =>
        await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == Id, ct) is { } s
            ? new Setting(s.Cron, s.Deep, DateTimeOffset.FromUnixTimeMilliseconds(s.NextRun))
            : null;

    /// <summary>Creates or replaces the schedule (audited either way); the answer is its next run, or why it was refused.</summary>
    public async Task<Outcome<DateTimeOffset>> SetAsync(string? cron, bool deep, string actor, CancellationToken ct)
    {
        long? next;
        string? why = null;
        try
        {
            next = Next(cron ?? "", options.Time.GetUtcNow());
        }
        catch (CronFormatException e)
        {
            next = null;
            why = $"cron '{cron}': {e.Message}";
        }

        if (why is not null || next is not { } at)
        {
            why ??= $"cron '{cron}' never fires";
            await audit.AppendAsync(actor, "schedule.set", Id, $"cron={cron} deep={deep}", "refused: " + why, ct);
            return ProblemTypes.InvalidSchedule.Because(why);
        }

        try
        {
            await SaveAsync(cron!, deep, at, actor, ct);
        }
        catch (DbUpdateException)
        {
            // Another request created the schedule between our read and our insert: ours replaces it.
            db.ChangeTracker.Clear();
            await SaveAsync(cron!, deep, at, actor, ct);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(at);
    }

    /// <summary>Creates or replaces the schedule; the change commits with its audit record.</summary>
    private async Task SaveAsync(string cron, bool deep, long at, string actor, CancellationToken ct)
    {
        var row = await db.Schedules.FirstOrDefaultAsync(s => s.Id == Id, ct);
        if (row is null)
        {
            db.Schedules.Add(
                new ScheduleRow
                {
                    Id = Id,
                    Cron = cron,
                    Deep = deep,
                    NextRun = at,
                }
            );
        }
        else
        {
            (row.Cron, row.Deep, row.NextRun) = (cron, deep, at);
        }

        await audit.AppendAsync(actor, "schedule.set", Id, $"cron={cron} deep={deep}", "ok", ct);
    }
}
