using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>The integrity report says when a newer scan is under way, and how far its agent has got.</summary>
public sealed class ReportPendingTests
{
    [Fact]
    public async Task A_running_scan_is_named_beside_the_last_finished_report_with_its_progress()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        using var anonymous = server.Client(null);
        var enrolled = await (
            await anonymous.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name = "w1",
                    tags = Array.Empty<string>(),
                    enrollToken = TestServer.EnrollToken,
                }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();
        using var agent = server.Client(enrolled.GetProperty("credential").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("admin/integrity-report/w1")).StatusCode); // enrolled, never scanned

        await admin.PostAsJsonAsync("admin/integrity-scan", new { });
        var first = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();
        var inventory = new WorkerInventory("w1", DateTimeOffset.UtcNow, [], [], [], EnvironmentFacts.Unknown);
        Assert.Equal(
            HttpStatusCode.NoContent,
            (await agent.PostAsJsonAsync($"agent/v1/jobs/{first}/result", new { inventory }, ReportJson.Options)).StatusCode
        );

        var second = await (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).Content.ReadFromJsonAsync<JsonElement>();
        var job = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();
        Assert.Equal(
            HttpStatusCode.NoContent,
            (
                await agent.PostAsJsonAsync(
                    $"agent/v1/jobs/{job}/progress",
                    new
                    {
                        message = "hashing",
                        filesDone = 3,
                        filesTotal = 10,
                        bytesDone = 300,
                        bytesTotal = 1000,
                    }
                )
            ).StatusCode
        );

        var report = await admin.GetFromJsonAsync<JsonElement>("admin/integrity-report/w1");
        Assert.Equal("done", report.GetProperty("status").GetString());
        var pending = report.GetProperty("pending");
        Assert.Equal(second[0].GetProperty("scanId").GetString(), pending.GetProperty("scanId").GetString());
        Assert.Equal("running", pending.GetProperty("status").GetString());
        Assert.Equal(3, pending.GetProperty("progress").GetProperty("filesDone").GetInt32());
        Assert.Equal(10, pending.GetProperty("progress").GetProperty("filesTotal").GetInt32());
    }
}
