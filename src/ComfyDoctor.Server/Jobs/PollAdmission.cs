namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// Sheds the long polls a replica cannot take now, so a reconnect storm (every agent of a farm coming back after a server
/// restart) queues nowhere, and bounds the polls that use the store at once, so a scan that wakes every waiting poll of a
/// replica together does not queue them on the connection pool (where the ones that waited longest failed with a pool
/// timeout). At most <see cref="ServerOptions.MaxPollStarts"/> polls look at the store at once — a first look, or a look
/// after a wake-up, with the claim it makes — and at most <see cref="ServerOptions.MaxWaitingPolls"/> wait on this replica.
/// A new poll waits up to <see cref="StartWait"/> for a turn, else it is answered <c>503</c> with a <c>Retry-After</c> drawn
/// between <see cref="RetryFrom"/> and <see cref="RetryTo"/> seconds, so the agents turned away together come back apart (the
/// agent honours it, plus its own jitter); a woken poll waits for a turn until its own end, which its agent waits for anyway.
/// </summary>
public sealed class PollAdmission(ServerOptions options) : IDisposable
{
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(2);
    public const int RetryFrom = 5;
    public const int RetryTo = 20;

    private readonly SemaphoreSlim _turns = new(Math.Max(1, options.MaxPollStarts));
    private int _waiting;

    /// <summary>The polls waiting on this replica now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The turns at the store taken now (polls looking, or claiming).</summary>
    public int Looking => Math.Max(1, options.MaxPollStarts) - _turns.CurrentCount;

    /// <summary>A ticket for one poll, holding its first turn at the store (dispose it when the poll ends), or null: answer 503
    /// with <see cref="RetryAfterSeconds"/>.</summary>
    public async Task<Ticket?> EnterAsync(CancellationToken ct)
    {
        if (Interlocked.Increment(ref _waiting) > options.MaxWaitingPolls)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }

        if (!await _turns.WaitAsync(StartWait, ct))
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }

        return new Ticket(this);
    }

    public void Dispose() => _turns.Dispose();

    public static int RetryAfterSeconds() => Random.Shared.Next(RetryFrom, RetryTo + 1);

    /// <summary>One admitted poll. It holds a turn at the store from its admission until <see cref="EndTurn"/>; each later look
    /// takes one again (<see cref="TakeTurnAsync"/>).</summary>
    public sealed class Ticket(PollAdmission admission) : IDisposable
    {
        private int _holding = 1;
        private int _ended;

        /// <summary>True once the poll holds a turn (at once when it still holds one); false when <paramref name="wait"/> ran out
        /// first.</summary>
        public async Task<bool> TakeTurnAsync(TimeSpan wait, CancellationToken ct)
        {
            if (Volatile.Read(ref _holding) == 1)
            {
                return true;
            }

            if (!await admission._turns.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct))
            {
                return false;
            }

            Volatile.Write(ref _holding, 1);
            return true;
        }

        /// <summary>The look is over: the turn goes to the next poll.</summary>
        public void EndTurn()
        {
            if (Interlocked.Exchange(ref _holding, 0) == 1)
            {
                admission._turns.Release();
            }
        }

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
