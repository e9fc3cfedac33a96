using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// One look at the jobs table per <see cref="ServerOptions.JobRecheck"/> for all of this replica's waiting polls — instead of
/// one look per poll, which with 1,000 idle agents was 2,000 queries a second — waking the polls of workers that have a job
/// to claim: queued by another replica, or running with its lease run out.
/// </summary>
public sealed class JobSweep(IServiceScopeFactory scopes, ServerOptions options, JobSignal signal) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.JobRecheck);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                // the store is unreachable for now; the polls end at their deadline and the next tick looks again
            }
        }
    }

    /// <summary>Wakes the waiting polls that have a job to claim; the query goes through the (worker_id, status) index.</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var waiting = signal.Waiting();
        if (waiting.Count == 0)
        {
            return;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        var now = options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var workers = await db
            .Jobs.AsNoTracking()
            .Where(j => waiting.Contains(j.WorkerId))
            .Where(JobQueue.Claimable(now))
            .Select(j => j.WorkerId)
            .Distinct()
            .ToListAsync(ct);
        foreach (var worker in workers)
        {
            signal.Notify(worker);
        }
    }
}
