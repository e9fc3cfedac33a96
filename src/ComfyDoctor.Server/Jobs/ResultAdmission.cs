namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Agent results are read, judged and stored <see cref="ServerOptions.MaxConcurrentResults"/> at a time; at most
/// <see cref="ServerOptions.MaxQueuedResults"/> more wait for a turn, unread, and a post beyond those is answered <c>503</c>
/// with a <c>Retry-After</c> before a byte of its body is read (the agent sends it with <c>Expect: 100-continue</c>, so it has
/// sent none, and comes back later). The queue was unbounded: a scan of 10,000 agents on two replicas left thousands of posts
/// waiting on each, and Kestrel read up to 1 MiB of each one ahead into its pool — 860 MiB of pool blocks per replica, kept
/// after the scan (docs/benchmarks.md §15). The waiting posts take their turns oldest first; a post turned away is told when
/// to come back (<see cref="ResultPacing"/>).
/// </summary>
public sealed class ResultAdmission(ServerOptions options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(Math.Max(1, options.MaxConcurrentResults));
    private readonly ResultPacing _pacing = new(options.MaxConcurrentResults, TimeProvider.System);
    private int _queued;
    private long _refused;

    /// <summary>Results being read, judged and stored now.</summary>
    public int Storing => Math.Max(1, options.MaxConcurrentResults) - _turns.CurrentCount;

    /// <summary>Posts waiting for a turn now.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Posts turned away since the start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>A turn (dispose it when the result is stored or refused), or null when the queue is full: answer 503.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken ct)
    {
        if (!_turns.Wait(0, CancellationToken.None)) // a free turn at once
        {
            if (Interlocked.Increment(ref _queued) > options.MaxQueuedResults)
            {
                Interlocked.Decrement(ref _queued);
                Interlocked.Increment(ref _refused);
                return null;
            }

            try
            {
                await _turns.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _queued);
            }
        }

        return new Turn(this);
    }

    /// <summary>When a post turned away now should come back, in seconds.</summary>
    public int RetryAfterSeconds() => _pacing.RetryAfterSeconds(Storing + Queued);

    public void Dispose() => _turns.Dispose();

    private sealed class Turn(ResultAdmission admission) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                admission._pacing.Stored();
                admission._turns.Release();
            }
        }
    }
}
