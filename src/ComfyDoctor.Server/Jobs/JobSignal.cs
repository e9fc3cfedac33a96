using System.Collections.Concurrent;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Wakes a worker's long poll the moment this replica queues a job for it. Jobs queued by another replica, and jobs whose
/// lease ran out, are found by <see cref="JobSweep"/>'s one periodic look at the table for all waiting polls.
/// </summary>
public sealed class JobSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    /// <summary>A task that completes when a job is queued for the worker; take it BEFORE looking at the table, so no job slips
    /// between.</summary>
    public Task Next(string workerId) =>
        _waiting.GetOrAdd(workerId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The workers that took <see cref="Next"/> and were not woken since (their polls may have ended meanwhile).</summary>
    public IReadOnlyList<string> Waiting() => [.. _waiting.Keys];

    public void Notify(string workerId)
    {
        if (_waiting.TryRemove(workerId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
