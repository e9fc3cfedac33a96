using System.Security.Claims;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Store;
using Cronos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Schedule;

/// <summary><c>PUT /admin/schedule {cron, deep?}</c> (standard 5-field cron, UTC) and <c>GET /admin/schedule</c>.</summary>
public static class ScheduleApi
{
    public const string FleetSchedule = "fleet";

    public sealed record ScheduleRequest(string Cron, bool? Deep);

    public static void MapScheduleApi(this RouteGroupBuilder admin)
    {
        admin.MapPut("/schedule", SetAsync);
        admin.MapGet("/schedule", async (ComfyDoctorDb db, CancellationToken ct) =>
            await db.Schedules.AsNoTracking().FirstOrDefaultAsync(s => s.Id == FleetSchedule, ct) is { } s
                ? Results.Ok(new { s.Cron, s.Deep, nextRun = DateTimeOffset.FromUnixTimeMilliseconds(s.NextRun) })
                : Results.NotFound("no schedule set"));
    }

    public static long? Next(string cron, DateTimeOffset after) =>
        CronExpression.Parse(cron).GetNextOccurrence(after.UtcDateTime, TimeZoneInfo.Utc) is { } next ? new DateTimeOffset(next).ToUnixTimeMilliseconds() : null;

    private static async Task<Results<Ok<DateTimeOffset>, BadRequest<string>>> SetAsync(ScheduleRequest request, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        long? next;
        string? why = null;
        try
        {
            next = Next(request.Cron ?? "", DateTimeOffset.UtcNow);
        }
        catch (CronFormatException e)
        {
            next = null;
            why = $"cron '{request.Cron}': {e.Message}";
        }

        if (why is not null || next is not { } at)
        {
            why ??= $"cron '{request.Cron}' never fires";
            await audit.AppendAsync(user.Identity!.Name!, "schedule.set", FleetSchedule, $"cron={request.Cron} deep={request.Deep ?? false}", "refused: " + why, ct);
            return TypedResults.BadRequest(why);
        }

        try
        {
            await SaveAsync(request, at, user, db, audit, ct);
        }
        catch (DbUpdateException)
        {
            // Another request created the schedule between our read and our insert: ours replaces it.
            db.ChangeTracker.Clear();
            await SaveAsync(request, at, user, db, audit, ct);
        }

        return TypedResults.Ok(DateTimeOffset.FromUnixTimeMilliseconds(at));
    }

    /// <summary>Creates or replaces the schedule; the change commits with its audit record.</summary>
    private static async Task SaveAsync(ScheduleRequest request, long at, ClaimsPrincipal user, ComfyDoctorDb db, AuditTrail audit, CancellationToken ct)
    {
        var row = await db.Schedules.FirstOrDefaultAsync(s => s.Id == FleetSchedule, ct);
        if (row is null)
        {
            db.Schedules.Add(new ScheduleRow { Id = FleetSchedule, Cron = request.Cron!, Deep = request.Deep ?? false, NextRun = at });
        }
        else
        {
            (row.Cron, row.Deep, row.NextRun) = (request.Cron!, request.Deep ?? false, at);
        }

        await audit.AppendAsync(user.Identity!.Name!, "schedule.set", FleetSchedule, $"cron={request.Cron} deep={request.Deep ?? false}", "ok", ct);
    }
}
