namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Sheds the long polls a replica cannot take now, so a reconnect storm (every agent of a farm coming back after a server
/// restart) queues nowhere, and bounds the polls that use the store at once, so a scan that wakes every waiting poll of a
/// replica together does not queue them on the connection pool (where the ones that waited longest failed with a pool
/// timeout). Polls look at the store in turns, each look with the claim it makes: at most
/// <see cref="ServerOptions.MaxPollStarts"/> new polls take their first look at once, and as many woken polls look again at
/// once, apart, so a wave of woken polls does not turn new ones away (a shared budget did: 1,000 agents, the last job handed
/// out after 24 s instead of 2, docs/benchmarks.md §15); at most <see cref="ServerOptions.MaxWaitingPolls"/> wait on this
/// replica. A new poll waits up to <see cref="StartWait"/> for a turn, else it is answered <c>503</c> with a
/// <c>Retry-After</c> drawn between <see cref="RetryFrom"/> and <see cref="RetryTo"/> seconds, so the agents turned away
/// together come back apart (the agent honours it, plus its own jitter); a woken poll waits for a turn until its own end,
/// which its agent waits for anyway.
/// </summary>
public sealed class PollAdmission(ServerOptions options) : IDisposable
{
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(2);
    public const int RetryFrom = 5;
    public const int RetryTo = 20;

    private readonly SemaphoreSlim _starts = new(Turns(options));
    private readonly SemaphoreSlim _looks = new(Turns(options));
    private int _waiting;

    /// <summary>The polls waiting on this replica now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The turns at the store taken now (polls looking, or claiming), first looks and woken ones.</summary>
    public int Looking => (2 * Turns(options)) - _starts.CurrentCount - _looks.CurrentCount;

    private static int Turns(ServerOptions options) => Math.Max(1, options.MaxPollStarts);

    /// <summary>A ticket for one poll, holding its first turn at the store (dispose it when the poll ends), or null: answer 503
    /// with <see cref="RetryAfterSeconds"/>.</summary>
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

    public void Dispose()
    {
        _starts.Dispose();
        _looks.Dispose();
    }

    public static int RetryAfterSeconds() => Random.Shared.Next(RetryFrom, RetryTo + 1);

    /// <summary>One admitted poll. It holds a first-look turn from its admission until <see cref="EndTurn"/>; each later look
    /// takes a turn of the woken polls (<see cref="TakeTurnAsync"/>).</summary>
    public sealed class Ticket(PollAdmission admission) : IDisposable
    {
        private SemaphoreSlim? _held = admission._starts;
        private int _ended;

        /// <summary>True once the poll holds a turn (at once when it still holds one); false when <paramref name="wait"/> ran out
        /// first.</summary>
        public async Task<bool> TakeTurnAsync(TimeSpan wait, CancellationToken ct)
        {
            if (Volatile.Read(ref _held) is not null)
            {
                return true;
            }

            if (!await admission._looks.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct))
            {
                return false;
            }

            Volatile.Write(ref _held, admission._looks);
            return true;
        }

        /// <summary>The look is over: the turn goes to the next poll.</summary>
        public void EndTurn() => Interlocked.Exchange(ref _held, null)?.Release();

        public void Dispose()
        {
            EndTurn();
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref admission._waiting);
            }
        }
    }
}
