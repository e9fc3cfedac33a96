using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>Results beyond <see cref="ServerOptions.MaxConcurrentResults"/> wait their turn: none is refused, all are stored.</summary>
public sealed class ResultConcurrencyTests
{
    [Fact]
    public async Task A_whole_fleet_posting_at_once_past_the_limit_is_stored_without_a_refusal()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxConcurrentResults = 1 });
        using var anonymous = server.Client(null);
        var agents = new List<HttpClient>();
        for (var i = 0; i < 8; i++)
        {
            var enrolled = await (
                await anonymous.PostAsJsonAsync(
                    "agent/v1/enroll",
                    new
                    {
                        name = $"w{i}",
                        tags = Array.Empty<string>(),
                        enrollToken = TestServer.EnrollToken,
                    }
                )
            ).Content.ReadFromJsonAsync<JsonElement>();
            agents.Add(server.Client(enrolled.GetProperty("credential").GetString()));
        }

        using var admin = server.Admin();
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        var jobs = await Task.WhenAll(agents.Select(a => a.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")));

        var posted = await Task.WhenAll(
            agents.Select(
                (a, i) =>
                    a.PostAsJsonAsync(
                        $"agent/v1/jobs/{jobs[i].GetProperty("id").GetString()}/result",
                        new { inventory = new WorkerInventory($"w{i}", DateTimeOffset.UtcNow, [], [], [], EnvironmentFacts.Unknown) },
                        ReportJson.Options
                    )
            )
        );

        Assert.All(posted, p => Assert.Equal(HttpStatusCode.NoContent, p.StatusCode));
        var workers = await admin.GetFromJsonAsync<JsonElement>("admin/workers");
        Assert.All(workers.EnumerateArray(), w => Assert.Equal("done", w.GetProperty("lastScanStatus").GetString()));
        agents.ForEach(a => a.Dispose());
    }
}
