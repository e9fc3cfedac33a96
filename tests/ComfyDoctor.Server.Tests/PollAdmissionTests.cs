using ComfyDoctor.Server.Jobs;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// The turns at the store of one replica's polls (<see cref="PollAdmission"/>): a new poll takes a first-look turn on
/// admission (2 s at most, else 503), a woken poll takes a turn of the woken polls for its look and claim and waits for it as
/// long as it is given (its own end); the two kinds do not wait for each other.
/// </summary>
public sealed class PollAdmissionTests
{
    [Fact]
    public async Task Woken_polls_wait_for_each_other_s_turns_not_for_new_polls_and_get_one_when_one_ends()
    {
        using var admission = new PollAdmission(new ServerOptions("http://127.0.0.1:0", null, Path.GetTempPath()) { MaxPollStarts = 2 });
        var woken = new List<PollAdmission.Ticket>();
        for (var i = 0; i < 3; i++)
        {
            woken.Add((await admission.EnterAsync(CancellationToken.None))!);
            woken[i].EndTurn(); // its first look is over; it waits
        }

        Assert.Equal(0, admission.Looking);
        using var first = (await admission.EnterAsync(CancellationToken.None))!;
        using var second = (await admission.EnterAsync(CancellationToken.None))!; // every first-look turn taken
        Assert.True(await woken[0].TakeTurnAsync(TimeSpan.Zero, CancellationToken.None)); // woken polls have their own
        Assert.True(await woken[1].TakeTurnAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(4, admission.Looking);
        Assert.False(await woken[2].TakeTurnAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None)); // its end came first

        var turn = woken[2].TakeTurnAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(turn.IsCompleted);
        second.EndTurn(); // a new poll's turn is no use to it
        await Task.Delay(50);
        Assert.False(turn.IsCompleted);
        woken[0].EndTurn();
        Assert.True(await turn);
        Assert.True(await woken[2].TakeTurnAsync(TimeSpan.Zero, CancellationToken.None)); // held already: at once
        using var third = await admission.EnterAsync(CancellationToken.None); // a new poll: the first-look turn second gave back
        Assert.NotNull(third);
        Assert.Equal(4, admission.Looking); // first and third, woken 1 and 2

        woken[2].Dispose(); // a poll that ends holding a turn gives it back, and leaves
        Assert.Equal(3, admission.Looking);
        Assert.Equal(5, admission.Waiting);
        woken.ForEach(t => t.Dispose());
    }
}
