using ComfyDoctor.Server.Scans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Schedule;

/// <summary>
/// Fires the fleet schedule. A tick is claimed by moving <c>next_run</c> forward with a conditional update; only the
/// replica whose update matched queues the scans, so several replicas on one database fire each tick once. A tick that
/// fails (the database restarting) is logged and retried at the next one; it never stops the server.
/// </summary>
public sealed partial class Scheduler(IServiceScopeFactory scopes, ServerOptions options, ILogger<Scheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SchedulerTick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    TickFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the server is stopping
        }
    }

    /// <summary>Fires the schedule if it is due and this call wins the claim; returns whether it fired.</summary>
    public async Task<bool> TickAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        var now = options.Time.GetUtcNow();
        var due = await db
            .Schedules.AsNoTracking()
            .FirstOrDefaultAsync(s => s.Id == FleetSchedule.Id && s.NextRun <= now.ToUnixTimeMilliseconds(), ct);
        if (due is null || FleetSchedule.Next(due.Cron, now) is not { } next)
        {
            return false;
        }

        var claimed = await db
            .Schedules.Where(s => s.Id == due.Id && s.NextRun == due.NextRun)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRun, next).SetProperty(x => x.LastRun, now.ToUnixTimeMilliseconds()), ct);
        if (claimed != 1)
        {
            return false; // another replica fired this tick
        }

        await scope.ServiceProvider.GetRequiredService<ScanRequests>().QueueAsync(null, due.Deep, "schedule", ct);
        return true;
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "the schedule could not be checked (the store is unavailable?); the next tick tries again"
    )]
    private static partial void TickFailed(ILogger logger, Exception exception);
}
