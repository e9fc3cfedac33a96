namespace ComfyDoctor.Server.Jobs;

/// <summary>
/// When the result posts turned away (<see cref="ResultAdmission"/>) should come back: each gets the next free moment at
/// the rate this replica stores results, behind the posts inside already, so a fleet answering a scan in the same second is
/// handed out over the time the replica needs for it — neither in one wave that is turned away again, nor after a fixed
/// 5–20 s while the replica has nothing to do (1,000 agents: 27 s with those, docs/benchmarks.md §15). The rate follows
/// Little's law: the turns divided by the mean time a result holds one (a moving mean, from <see cref="PriorSeconds"/>
/// until results were stored), times <see cref="Oversubscribe"/>: a post that comes back too early is turned away again at
/// the cost of a short request, one that comes back too late leaves the replica idle (at exactly the estimated rate, 1,000
/// agents took 34 s where an unbounded queue took 16).
/// </summary>
public sealed class ResultPacing(int turns, TimeProvider time)
{
    /// <summary>The time a result is taken to hold a turn before one was measured.</summary>
    public const double PriorSeconds = 0.05;

    /// <summary>How many more posts are called back each second than the estimate says the replica stores.</summary>
    public const double Oversubscribe = 2;

    /// <summary>The longest wait handed out; later ones are paced again when they come back.</summary>
    public const int MaxSeconds = 120;

    private readonly Lock _gate = new();
    private double _meanSeconds = PriorSeconds;
    private double _promised; // seconds on the clock below up to which moments are handed out

    /// <summary>A result held a turn for <paramref name="took"/>.</summary>
    public void Stored(TimeSpan took)
    {
        lock (_gate)
        {
            _meanSeconds = (0.9 * _meanSeconds) + (0.1 * Math.Max(0.001, took.TotalSeconds));
        }
    }

    /// <summary>The seconds the next post turned away should wait, <paramref name="inside"/> posts being stored or waiting
    /// here now.</summary>
    public int RetryAfterSeconds(int inside)
    {
        lock (_gate)
        {
            var perSecond = Oversubscribe * Math.Max(1, turns) / _meanSeconds;
            var now = time.GetTimestamp() / (double)time.TimestampFrequency;
            var at = Math.Max(_promised, now + (inside / perSecond));
            _promised = at + (1 / perSecond);
            return (int)Math.Clamp(Math.Ceiling(at - now), 1, MaxSeconds);
        }
    }
}
