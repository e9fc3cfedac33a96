using ComfyDoctor.Server.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// A reconnect storm after a server restart is spread out, shown without timing anything: the stopping server ends every
/// waiting poll at once (204, so agents do not wait out their 40–50 s); the restarted one admits the polls it may hold and
/// answers the rest 503 with Retry-Afters drawn apart (5–20 s), so the turned-away agents do not come back as one wave; and
/// each poll's own length is drawn (80–100 % of the long poll), so polls that started together do not end together.
/// </summary>
public sealed class ReconnectStormTests : IDisposable
{
    private const int Agents = 40;
    private const int Holds = 10;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cdstorm-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task After_a_restart_the_polls_over_what_the_server_holds_are_turned_away_with_different_retry_afters()
    {
        Directory.CreateDirectory(_dir);
        var database = Path.Combine(_dir, "comfydoctor.db"); // both servers on one store, as a restart is
        var url = TestServer.FreeUrl();
        var first = await TestServer.StartAsync(database, url: url, configure: o => o with { LongPoll = TimeSpan.FromMinutes(5) });
        var agents = new List<HttpClient>();
        try
        {
            for (var i = 0; i < Agents; i++)
            {
                agents.Add(await first.EnrolledAsync($"w{i}", TimeSpan.FromMinutes(5)));
            }

            var waiting = agents.Select(a => a.GetAsync("agent/v1/jobs/next")).ToList();
            var admission = first.App.Services.GetRequiredService<PollAdmission>();
            while (admission.Waiting < Agents)
            {
                await Task.Delay(50);
            }

            await first.App.StopAsync(); // the restart: every waiting poll is answered at once
            foreach (var poll in waiting)
            {
                using var ended = await poll;
                Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
            }
        }
        finally
        {
            await first.App.DisposeAsync(); // not the TestServer: its store lives on for the second server
            Directory.Delete(first.DataDir, recursive: true);
        }

        await using var second = await TestServer.StartAsync(database, url: url, configure: o =>
            o with
            {
                LongPoll = TimeSpan.FromMinutes(5),
                MaxWaitingPolls = Holds,
            }
        );
        var storm = agents.Select(a => a.GetAsync("agent/v1/jobs/next")).ToList(); // every agent at once
        var secondAdmission = second.App.Services.GetRequiredService<PollAdmission>();
        var answered = new List<HttpResponseMessage>();
        while (answered.Count < Agents - Holds)
        {
            var done = await Task.WhenAny(storm);
            storm.Remove(done);
            answered.Add(await done);
        }

        Assert.All(answered, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        var retries = answered.Select(r => r.Headers.RetryAfter!.Delta!.Value.TotalSeconds).ToList();
        Assert.All(retries, s => Assert.InRange(s, PollAdmission.RetryFrom, PollAdmission.RetryTo));
        Assert.True(retries.Distinct().Count() > 1, $"all {retries.Count} turned-away agents were told the same time");
        Assert.Equal(Holds, secondAdmission.Waiting); // the ones it holds wait, none answered
        Assert.All(storm, p => Assert.False(p.IsCompleted));
        foreach (var response in answered)
        {
            response.Dispose();
        }

        foreach (var agent in agents)
        {
            agent.Dispose(); // ends the held polls
        }
    }

    [Fact]
    public void Each_poll_draws_its_own_length_between_80_and_100_percent_of_the_long_poll()
    {
        var longPoll = TimeSpan.FromSeconds(50);
        var lengths = Enumerable.Range(0, 200).Select(_ => JobQueue.PollLength(longPoll)).ToList();
        Assert.All(lengths, l => Assert.InRange(l, longPoll * 0.8, longPoll));
        Assert.True(lengths.Distinct().Count() > 100);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
