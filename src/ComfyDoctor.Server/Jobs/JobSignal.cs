using ComfyDoctor.Server.Transport;

namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Wakes a worker's long poll when a job is queued for it, on whichever replica queued it (<see cref="ReplicaSignals"/>: at once
/// here, by PostgreSQL <c>NOTIFY</c> on the others). Call <see cref="Notify"/> after the job is committed.
/// </summary>
public sealed class JobSignal(ReplicaSignals signals)
{
    /// <summary>A task that completes when a job is queued for the worker; take it BEFORE looking at the table, so no job slips
    /// between.</summary>
    public Task Next(string workerId) => signals.Next(Key(workerId));

    public void Notify(string workerId) => signals.Publish(Key(workerId));

    private static string Key(string workerId) => "job:" + workerId;
}
