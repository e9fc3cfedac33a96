using System.Diagnostics;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// Streams a job's scan progress to the server without flooding it: at most one post in flight and at most one per
/// <c>interval</c>; reports in between are dropped (the next one carries newer numbers). A failed post is dropped too:
/// progress is a courtesy, the result is what counts. Each post also renews the job's lease on the server.
/// </summary>
internal sealed class ProgressPoster(Func<JobProgress, CancellationToken, Task> post, TimeSpan interval, CancellationToken ct) : IProgress<ScanProgress>
{
    private readonly Lock _gate = new();
    private long _lastPost;
    private bool _inFlight;
    private bool _posted;

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            if (_inFlight || ct.IsCancellationRequested || (_posted && Stopwatch.GetElapsedTime(_lastPost) < interval))
            {
                return;
            }

            (_inFlight, _posted, _lastPost) = (true, true, Stopwatch.GetTimestamp());
        }

        _ = SendAsync(new JobProgress("hashing", value.FilesDone, value.FilesTotal, value.BytesDone, value.BytesTotal));
    }

    private async Task SendAsync(JobProgress progress)
    {
        try
        {
            await post(progress, ct);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // dropped: the next report or the result says more
        }
        finally
        {
            lock (_gate)
            {
                _inFlight = false;
            }
        }
    }
}
