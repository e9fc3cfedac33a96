using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>Bad input to the API is refused with its reason and changes nothing; the audit trail pages and catches an edit.</summary>
public sealed class InputValidationTests
{
    private static readonly string GoodRegistry =
        "models:\n  - path: checkpoints/a.safetensors\n    sha256: " + new string('a', 64) + "\n    size: 10\n";

    [Fact]
    public async Task A_refused_result_leaves_the_job_running_and_a_failure_is_stored_with_its_reason()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = server.Client(null);
        var enrolled = await (
            await anonymous.PostAsJsonAsync(
                "agent/v1/enroll",
                new
                {
                    name = "w",
                    tags = Array.Empty<string>(),
                    enrollToken = TestServer.EnrollToken,
                }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();
        using var agent = server.Client(enrolled.GetProperty("credential").GetString());
        using var admin = server.Admin();
        Assert.Equal(
            HttpStatusCode.Accepted,
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "w" } })).StatusCode
        );
        var id = (await agent.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();

        var lacking = await agent.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { inventory = new { worker = "w" } });
        Assert.Equal(HttpStatusCode.BadRequest, lacking.StatusCode);
        Assert.Contains(
            "models, nodePacks and environment are all required",
            await lacking.Content.ReadAsStringAsync(),
            StringComparison.Ordinal
        );
        var malformed = await agent.PostAsync(
            $"agent/v1/jobs/{id}/result",
            new StringContent("{\"inventory\": {", Encoding.UTF8, "application/json")
        );
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("status").GetString());

        Assert.Equal(
            HttpStatusCode.NoContent,
            (await agent.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { error = "disk unreadable" })).StatusCode
        );
        var job = await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("disk unreadable", job.GetProperty("error").GetString());
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await agent.PostAsJsonAsync($"agent/v1/jobs/{id}/result", new { error = "again" })).StatusCode
        );
    }

    [Fact]
    public async Task A_broken_registry_file_is_refused_with_its_reason_and_the_registry_is_unchanged()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models", new StringContent(GoodRegistry))).StatusCode);

        var refused = await admin.PostAsync(
            "admin/models",
            new StringContent("models:\n  - path: checkpoints/b.safetensors\n    sha256: not-a-hash\n")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("request body", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var models = await admin.GetFromJsonAsync<JsonElement>("admin/models");
        Assert.Equal(["checkpoints/a.safetensors"], models.EnumerateArray().Select(m => m.GetProperty("identity").GetString()));
    }

    [Fact]
    public async Task The_audit_trail_pages_in_order_and_verify_catches_an_edited_record()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models", new StringContent(GoodRegistry))).StatusCode);
        }

        var second = await admin.GetFromJsonAsync<JsonElement>("admin/audit?page=2&size=1");
        Assert.Equal(1, second.GetArrayLength());
        Assert.Equal(2, second[0].GetProperty("seq").GetInt64());
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());

        using (var scope = server.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
            Assert.Equal(1, await db.Audit.Where(a => a.Seq == 2).ExecuteUpdateAsync(s => s.SetProperty(a => a.Parameters, "999 entries")));
        }

        var verdict = await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify");
        Assert.False(verdict.GetProperty("intact").GetBoolean());
        Assert.Equal(3, verdict.GetProperty("records").GetInt32());
    }
}
