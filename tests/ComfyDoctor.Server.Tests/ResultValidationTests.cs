using System.Text;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>An agent's result is checked before it is judged or stored: its size, its shape, its values.</summary>
public sealed class ResultValidationTests
{
    [Fact]
    public async Task Malformed_oversized_and_unparseable_results_are_refused_and_the_job_stays_open()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxResultBytes = 64 * 1024 });
        using var admin = server.Admin();
        using var agent = await server.EnrolledAsync("w1");
        await admin.PostAsJsonAsync("admin/integrity-scan", new { });
        var id = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();

        var badSha = Inventory() with
        {
            Models =
            [
                new ModelFile(
                    "loras/a.safetensors",
                    "/m/loras/a.safetensors",
                    1,
                    DateTimeOffset.UnixEpoch,
                    "NOT-A-HASH",
                    FormatCheck.Ok("safetensors")
                ),
            ],
        };
        var refused = await agent.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { inventory = badSha }, ReportJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            "models[0].sha256: not 64 lower-case hex digits",
            await refused.Content.ReadAsStringAsync(),
            StringComparison.Ordinal
        );

        // Just over the limit. Kestrel answers 413, or, when it has already stopped reading, closes the connection mid-upload.
        var huge = Inventory() with { Environment = EnvironmentFacts.Unknown with { Notes = [new string('n', 66_000)] } };
        var body = JsonSerializer.SerializeToUtf8Bytes(new { inventory = huge }, ReportJson.Options);
        Assert.InRange(body.Length, 64 * 1024, 70 * 1024);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        HttpStatusCode? tooLarge;
        try
        {
            tooLarge = (await agent.PostAsync($"agent/v1/jobs/{id}/result", content)).StatusCode;
        }
        catch (HttpRequestException)
        {
            tooLarge = null;
        }

        Assert.True(tooLarge is null or HttpStatusCode.RequestEntityTooLarge, $"an oversized result got {tooLarge}");

        using var garbage = new StringContent("{\"inventory\": [1, 2", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsync($"agent/v1/jobs/{id}/result", garbage)).StatusCode);

        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("status").GetString());
        var accepted = await agent.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { inventory = Inventory() }, ReportJson.Options);
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        Assert.Equal("done", (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Enrollment_refuses_bad_names_and_tags()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = server.Client(null);

        foreach (
            var (name, tags) in new[]
            {
                ("", Array.Empty<string>()),
                ("ok", new[] { "a,b" }),
                ("ok", new[] { "" }),
                ("line\nbreak", Array.Empty<string>()),
            }
        )
        {
            var response = await anonymous.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name,
                    tags,
                    enrollToken = TestServer.EnrollToken,
                }
            );
            Assert.True(
                response.StatusCode == HttpStatusCode.BadRequest,
                $"name '{name}' tags [{string.Join('|', tags)}]: {response.StatusCode}"
            );
        }

        Assert.Equal(0, (await server.Admin().GetFromJsonAsync<JsonElement>("admin/workers")).GetArrayLength());
    }

    private static WorkerInventory Inventory() => new("w1", DateTimeOffset.UtcNow, [], [], [], EnvironmentFacts.Unknown);
}
