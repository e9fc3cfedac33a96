using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// Streams a job's progress to the server without flooding it: at most one post in flight and at most one per
/// <c>interval</c>; reports in between are dropped (the next one carries newer numbers) unless forced (an action's state
/// changed). A failed post is dropped too: progress is a courtesy, the result is what counts. Each post also renews the
/// job's lease on the server.
/// </summary>
internal sealed class ProgressPoster(
    Func<JobProgress, CancellationToken, Task> post,
    TimeSpan interval,
    TimeProvider time,
    CancellationToken ct
) : IProgress<JobProgress>
{
    private readonly Lock _gate = new();
    private long _lastPost;
    private bool _inFlight;
    private bool _posted;
    private JobProgress? _pending;

    public void Report(JobProgress value) => Send(value, force: false);

    /// <summary>Posts this one as soon as the post in flight is done, whatever the interval.</summary>
    public void ReportNow(JobProgress value) => Send(value, force: true);

    /// <summary>Scan progress as job progress with <paramref name="message"/>.</summary>
    public IProgress<ScanProgress> ForScan(string message, Func<JobProgress, JobProgress>? decorate = null) =>
        new ScanAdapter(this, message, decorate ?? (p => p));

    private void Send(JobProgress value, bool force)
    {
        lock (_gate)
        {
            if (ct.IsCancellationRequested || (!force && _posted && time.GetElapsedTime(_lastPost) < interval))
            {
                return;
            }

            if (_inFlight)
            {
                _pending = force ? value : _pending;
                return;
            }

            (_inFlight, _posted, _lastPost) = (true, true, time.GetTimestamp());
        }

        _ = SendAsync(value);
    }

    private async Task SendAsync(JobProgress progress)
    {
        while (true)
        {
            try
            {
                await post(progress, ct);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // dropped: the next report or the result says more
            }

            lock (_gate)
            {
                if (_pending is null || ct.IsCancellationRequested)
                {
                    _inFlight = false;
                    _pending = null;
                    return;
                }

                (progress, _pending, _lastPost) = (_pending, null, time.GetTimestamp());
            }
        }
    }

    private sealed class ScanAdapter(ProgressPoster poster, string message, Func<JobProgress, JobProgress> decorate)
        : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) =>
            poster.Report(decorate(new JobProgress(message, value.FilesDone, value.FilesTotal, value.BytesDone, value.BytesTotal)));
    }
}
