using ComfyDoctor.Server.Jobs;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// The turns at the store of one replica's polls (<see cref="PollAdmission"/>): a new poll takes one on admission, a woken poll
/// takes one again for its look and claim, and waits for it as long as it is given (its own end), not the 2 s a new poll is.
/// </summary>
public sealed class PollAdmissionTests
{
    [Fact]
    public async Task A_woken_poll_waits_for_a_turn_that_new_polls_hold_and_gets_it_when_one_ends()
    {
        using var admission = new PollAdmission(new ServerOptions("http://127.0.0.1:0", null, Path.GetTempPath()) { MaxPollStarts = 2 });
        using var woken = (await admission.EnterAsync(CancellationToken.None))!;
        woken.EndTurn(); // its first look is over; it waits
        Assert.Equal(0, admission.Looking);

        using var first = (await admission.EnterAsync(CancellationToken.None))!;
        using var second = (await admission.EnterAsync(CancellationToken.None))!;
        Assert.Equal(2, admission.Looking);
        Assert.False(await woken.TakeTurnAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None)); // its end came first

        var turn = woken.TakeTurnAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(turn.IsCompleted);
        second.EndTurn();
        Assert.True(await turn);
        Assert.True(await woken.TakeTurnAsync(TimeSpan.Zero, CancellationToken.None)); // held already: at once
        Assert.Equal(2, admission.Looking);
        Assert.Null(await admission.EnterAsync(CancellationToken.None)); // a new poll: 2 s, then 503

        woken.Dispose(); // a poll that ends holding a turn gives it back, and leaves
        Assert.Equal(1, admission.Looking);
        Assert.Equal(2, admission.Waiting);
    }
}
