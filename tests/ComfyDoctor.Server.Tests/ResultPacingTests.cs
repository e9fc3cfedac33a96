using ComfyDoctor.Server.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// The result posts turned away are told to come back at the rate the replica stores results (<see cref="ResultPacing"/>):
/// one after the other a moment apart, behind those inside, at twice the rate measured over the last seconds (or the prior).
/// </summary>
public sealed class ResultPacingTests
{
    [Fact]
    public void A_burst_turned_away_is_handed_out_over_the_time_the_replica_needs_for_it()
    {
        var clock = new FakeTimeProvider();
        var pacing = new ResultPacing(4, clock); // nothing stored yet: 4 turns of 20 a second, 160 called back
        var waits = Enumerable.Range(0, 800).Select(_ => pacing.RetryAfterSeconds(inside: 0)).ToList();
        Assert.Equal(1, waits[0]);
        Assert.Equal(waits.Order(), waits); // first turned away, first back
        Assert.Equal(5, waits[^1]); // 800 at 160 a second
        Assert.Equal(160, waits.Count(w => w == 3)); // a second's worth each second

        clock.Advance(TimeSpan.FromSeconds(60)); // the burst is over: the next one comes back at once, behind those inside
        Assert.Equal(1, pacing.RetryAfterSeconds(inside: 0));
        Assert.Equal(2, pacing.RetryAfterSeconds(inside: 320)); // 320 inside take 2 s
    }

    [Fact]
    public void The_rate_follows_what_the_replica_stored_in_the_last_seconds_and_waits_are_capped()
    {
        var clock = new FakeTimeProvider();
        var pacing = new ResultPacing(4, clock);
        for (var second = 0; second < ResultPacing.WindowSeconds; second++)
        {
            for (var i = 0; i < 100; i++)
            {
                pacing.Stored(); // 100 a second: more than the prior 80
            }

            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var waits = Enumerable.Range(0, 1000).Select(_ => pacing.RetryAfterSeconds(inside: 0)).ToList();
        Assert.Equal(5, waits[^1]); // 1,000 called back at 200 a second
        Assert.Equal(ResultPacing.MaxSeconds, pacing.RetryAfterSeconds(inside: 100_000));

        clock.Advance(TimeSpan.FromMinutes(10)); // quiet since: the prior again, 160 a second
        Assert.Equal(5, Enumerable.Range(0, 800).Select(_ => pacing.RetryAfterSeconds(inside: 0)).ToList()[^1]);
    }
}
