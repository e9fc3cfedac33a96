using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// <c>GET /admin/repairs/{id}/events</c>: a server-sent event stream of a repair over one or more workers. Each change of
/// a job (state, per-action progress: bytes, rate, source) is sent as <c>event: progress</c> with the job as JSON and an
/// id (<see cref="RepairEventCursor"/>); when every job has ended, <c>event: done</c> carries them all, results included.
/// A client that reconnects with <c>Last-Event-ID</c> resumes after that event. The store is read twice a second, so the
/// stream is the same whichever replica the agents report to.
/// </summary>
public static class RepairEvents
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a client whose connection dropped waits before it reconnects (the stream's <c>retry:</c>).</summary>
    public static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    /// <summary>One event's data is one line.</summary>
    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamAsync(
        string id,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        ComfyDoctorDb db,
        CancellationToken ct
    )
    {
        RepairEventCursor? after = null;
        if (lastEventId is { Length: > 0 })
        {
            if (!RepairEventCursor.TryParse(lastEventId, out var cursor))
            {
                var shown = Core.Text.Printable.Escape(lastEventId);
                return ProblemTypes.InvalidLastEventId.Because($"Last-Event-ID '{shown}' is no event id of this stream").ToProblem();
            }

            after = cursor;
        }

        var jobs = await RepairJobs.OfAsync(db, id, ct);
        return jobs.Count == 0
            ? ProblemTypes.RepairNotFound.Because($"no repair '{id}'").ToProblem()
            : TypedResults.ServerSentEvents(EventsAsync(id, jobs, after, db, ct));
    }

    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(
        string id,
        List<JobView> jobs,
        RepairEventCursor? after,
        ComfyDoctorDb db,
        [EnumeratorCancellation] CancellationToken ct
    )
    {
        // Resumed: the changes up to the client's last event are taken as sent.
        var sent = jobs.Where(j => after is { } cursor && RepairEventCursor.Of(j).CompareTo(cursor) <= 0)
            .ToDictionary(j => j.Id, j => j.UpdatedAt, StringComparer.Ordinal);
        var first = true;
        while (true)
        {
            foreach (var job in jobs.Where(j => !sent.TryGetValue(j.Id, out var at) || at != j.UpdatedAt).OrderBy(RepairEventCursor.Of))
            {
                sent[job.Id] = job.UpdatedAt;
                yield return new SseItem<string>(JsonSerializer.Serialize(job, Compact), "progress")
                {
                    EventId = RepairEventCursor.Of(job).ToString(),
                    ReconnectionInterval = first ? Reconnect : null,
                };
                first = false;
            }

            if (jobs.All(j => j.Status is JobStatus.Done or JobStatus.Failed))
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(jobs, Compact), "done");
                yield break;
            }

            if (await NextAsync(db, id, ct) is not { } next)
            {
                yield break; // the client went away
            }

            jobs = next;
        }
    }

    /// <summary>The repair's jobs an interval later; null once the client has gone.</summary>
    private static async Task<List<JobView>?> NextAsync(ComfyDoctorDb db, string id, CancellationToken ct)
    {
        try
        {
            await Task.Delay(Interval, ct);
            db.ChangeTracker.Clear();
            return await RepairJobs.OfAsync(db, id, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
