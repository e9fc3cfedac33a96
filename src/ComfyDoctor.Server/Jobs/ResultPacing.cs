namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// When the result posts turned away (<see cref="ResultAdmission"/>) should come back: each gets the next free moment at
/// the rate this replica stores results, behind the posts inside already, so a fleet answering a scan in the same second is
/// handed out over the time the replica needs for it — neither in one wave that is turned away again, nor after a fixed
/// 5–20 s while the replica has nothing to do (1,000 agents: 27 s with those where an unbounded queue took 16,
/// docs/benchmarks.md §15). The rate is the one measured over the last <see cref="WindowSeconds"/> seconds, or
/// <see cref="PriorPerTurn"/> a second per turn when that is more (a burst after a quiet spell), times
/// <see cref="Oversubscribe"/>: a post that comes back too early is turned away again at the cost of a short request, one
/// that comes back too late leaves the replica idle. (A rate from the mean time a result held its turn was tried first: it
/// came out low, and 10,000 agents left the replicas idle with 3,000 results still to come.)
/// </summary>
public sealed class ResultPacing(int turns, TimeProvider time)
{
    /// <summary>Results a turn is taken to store a second before a busier rate was measured.</summary>
    public const double PriorPerTurn = 20;

    /// <summary>How many more posts are called back each second than the replica stored.</summary>
    public const double Oversubscribe = 2;

    /// <summary>The longest wait handed out; later ones are paced again when they come back.</summary>
    public const int MaxSeconds = 120;

    /// <summary>The whole seconds the measured rate covers (the one under way is not counted).</summary>
    public const int WindowSeconds = 4;

    private readonly Lock _gate = new();
    private readonly int[] _stored = new int[WindowSeconds + 1]; // results stored in each second, by second modulo the length
    private long _newest; // the second _stored was last written for
    private double _promised; // seconds on the clock below up to which moments are handed out

    /// <summary>A result was stored (or refused) and gave its turn back.</summary>
    public void Stored()
    {
        lock (_gate)
        {
            _stored[Roll(Now())]++;
        }
    }

    /// <summary>The seconds the next post turned away should wait, <paramref name="inside"/> posts being stored or waiting
    /// here now.</summary>
    public int RetryAfterSeconds(int inside)
    {
        lock (_gate)
        {
            var now = Now();
            var current = Roll(now);
            var measured = (_stored.Sum() - _stored[current]) / (double)WindowSeconds;
            var perSecond = Oversubscribe * Math.Max(measured, PriorPerTurn * Math.Max(1, turns));
            var at = Math.Max(_promised, now + (inside / perSecond));
            _promised = at + (1 / perSecond);
            return (int)Math.Clamp(Math.Ceiling(at - now), 1, MaxSeconds);
        }
    }

    private double Now() => time.GetTimestamp() / (double)time.TimestampFrequency;

    /// <summary>The slot of the second <paramref name="now"/> falls in, the seconds passed since the last write cleared.</summary>
    private int Roll(double now)
    {
        var second = (long)now;
        for (var s = Math.Max(_newest + 1, second - WindowSeconds); s <= second; s++)
        {
            _stored[s % _stored.Length] = 0;
        }

        _newest = Math.Max(_newest, second);
        return (int)(second % _stored.Length);
    }
}
