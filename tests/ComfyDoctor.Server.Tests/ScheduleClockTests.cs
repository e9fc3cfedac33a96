using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ComfyDoctor.Server.Tests;

/// <summary>The fleet schedule on the server's clock, moved by the test: it fires when its time comes, once, and not before.</summary>
public sealed class ScheduleClockTests
{
    [Fact]
    public async Task A_schedule_fires_at_its_time_on_the_servers_clock_once_and_again_a_day_later()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 2, 58, 30, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(configure: o => o with { Time = clock });
        using var admin = server.Admin();
        var set = await admin.PutAsJsonAsync("admin/schedule", new { cron = "0 3 * * *" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero), await set.Content.ReadFromJsonAsync<DateTimeOffset>());
        var scheduler = server.App.Services.GetRequiredService<Schedule.Scheduler>();

        Assert.False(await scheduler.TickAsync(CancellationToken.None)); // 02:58:30
        clock.Advance(TimeSpan.FromSeconds(89));
        Assert.False(await scheduler.TickAsync(CancellationToken.None)); // 02:59:59
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await scheduler.TickAsync(CancellationToken.None)); // 03:00
        Assert.False(await scheduler.TickAsync(CancellationToken.None)); // once
        clock.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59));
        Assert.False(await scheduler.TickAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await scheduler.TickAsync(CancellationToken.None)); // 03:00 the next day
    }
}
