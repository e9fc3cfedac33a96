using System.Collections.Concurrent;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>Transfers at once: per worker (all sources) and per source, so one repair cannot saturate a mirror or a peer.</summary>
public sealed class TransferLimits(int perWorker, int perSource) : IDisposable
{
    private readonly SemaphoreSlim _worker = new(Math.Max(1, perWorker));
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _sources = new(StringComparer.Ordinal);

    public Task<T> InWorkerTurnAsync<T>(Func<Task<T>> work, CancellationToken ct) => InTurnAsync(_worker, work, ct);

    public Task<T> InSourceTurnAsync<T>(string source, Func<Task<T>> work, CancellationToken ct) =>
        InTurnAsync(_sources.GetOrAdd(source, _ => new SemaphoreSlim(Math.Max(1, perSource))), work, ct);

    private static async Task<T> InTurnAsync<T>(SemaphoreSlim gate, Func<Task<T>> work, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        _worker.Dispose();
        foreach (var gate in _sources.Values)
        {
            gate.Dispose();
        }
    }
}
