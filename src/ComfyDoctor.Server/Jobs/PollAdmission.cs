namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Sheds the long polls a replica cannot take now, so a reconnect storm (every agent of a farm coming back after a server
/// restart) queues nowhere: at most <see cref="ServerOptions.MaxPollStarts"/> polls take their first look at the store at
/// once (the rest wait up to <see cref="StartWait"/> for a turn), and at most <see cref="ServerOptions.MaxWaitingPolls"/> wait
/// on this replica. A poll turned away is answered <c>503</c> with a <c>Retry-After</c> drawn between <see cref="RetryFrom"/>
/// and <see cref="RetryTo"/> seconds, so the agents turned away together come back apart (the agent honours it, plus its own
/// jitter).
/// </summary>
public sealed class PollAdmission(ServerOptions options) : IDisposable
{
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(2);
    public const int RetryFrom = 5;
    public const int RetryTo = 20;

    private readonly SemaphoreSlim _starts = new(Math.Max(1, options.MaxPollStarts));
    private int _waiting;

    /// <summary>The polls waiting on this replica now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>A ticket for one poll (dispose it when the poll ends), or null: answer 503 with <see cref="RetryAfterSeconds"/>.</summary>
    public async Task<Ticket?> EnterAsync(CancellationToken ct)
    {
        if (Interlocked.Increment(ref _waiting) > options.MaxWaitingPolls)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }

        if (!await _starts.WaitAsync(StartWait, ct))
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }

        return new Ticket(this);
    }

    public void Dispose() => _starts.Dispose();

    public static int RetryAfterSeconds() => Random.Shared.Next(RetryFrom, RetryTo + 1);

    /// <summary>One admitted poll: <see cref="FirstLook"/> is disposed after the poll's first look, the ticket when it ends.</summary>
    public sealed class Ticket(PollAdmission admission) : IDisposable
    {
        private int _started = 1;
        private int _ended;

        public IDisposable FirstLook => new Release(this);

        public void Dispose()
        {
            EndStart();
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref admission._waiting);
            }
        }

        private void EndStart()
        {
            if (Interlocked.Exchange(ref _started, 0) == 1)
            {
                admission._starts.Release();
            }
        }

        private sealed class Release(Ticket ticket) : IDisposable
        {
            public void Dispose() => ticket.EndStart();
        }
    }
}
