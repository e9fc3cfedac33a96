using System.Collections.Concurrent;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Wakes a worker's long poll the moment this replica queues a job for it, instead of the poll finding it on its next look
/// at the table. Jobs queued by another replica are still found by that periodic look (<see cref="ServerOptions.JobRecheck"/>).
/// </summary>
public sealed class JobSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    /// <summary>A task that completes when a job is queued for the worker; take it BEFORE looking at the table, so no job slips between.</summary>
    public Task Next(string workerId) =>
        _waiting.GetOrAdd(workerId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(string workerId)
    {
        if (_waiting.TryRemove(workerId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
