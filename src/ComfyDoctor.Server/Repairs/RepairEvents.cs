using System.Text.Json;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Http;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// <c>GET /admin/repairs/{id}/events</c>: a server-sent event stream of a repair over one or more workers. Each change of
/// a job (state, per-action progress: bytes, rate, source) is sent as <c>event: progress</c> with the job as JSON; when
/// every job has ended, <c>event: done</c> carries them all, results included. The store is read twice a second, so the
/// stream is the same whichever replica the agents report to.
/// </summary>
public static class RepairEvents
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>One event's data is one line.</summary>
    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    public static async Task StreamAsync(string id, HttpContext context, ComfyDoctorDb db, CancellationToken ct)
    {
        var jobs = await RepairJobs.OfAsync(db, id, ct);
        if (jobs.Count == 0)
        {
            await ProblemTypes.RepairNotFound.Because($"no repair '{id}'").ToProblem().ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            while (true)
            {
                foreach (var job in jobs.Where(j => !seen.TryGetValue(j.Id, out var at) || at != j.UpdatedAt))
                {
                    seen[job.Id] = job.UpdatedAt;
                    await SendAsync(context, "progress", job, ct);
                }

                if (jobs.All(j => j.Status is JobStatus.Done or JobStatus.Failed))
                {
                    await SendAsync(context, "done", jobs, ct);
                    return;
                }

                await Task.Delay(Interval, ct);
                db.ChangeTracker.Clear();
                jobs = await RepairJobs.OfAsync(db, id, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away
        }
    }

    private static async Task SendAsync<T>(HttpContext context, string name, T data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, Compact)}\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
