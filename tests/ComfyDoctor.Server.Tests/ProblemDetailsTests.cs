using System.Runtime.CompilerServices;
using System.Text;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Tests;

/// <summary>Issue 14.2: every refusal is an RFC 9457 problem with a stable type, the status it always had, and its reason.</summary>
public sealed class ProblemDetailsTests
{
    [Fact]
    public async Task Refusals_are_problems_with_a_stable_type_the_old_status_and_the_reason()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        using var anonymous = server.Client(null);

        var unknown = await Problem(
            await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "ghost" } }),
            ProblemTypes.UnknownWorker
        );
        Assert.Equal("unknown workers: ghost", unknown.GetProperty("detail").GetString());
        await Problem(await admin.GetAsync("admin/integrity-report/ghost"), ProblemTypes.UnknownWorker);
        await Problem(await admin.GetAsync("admin/scans/none"), ProblemTypes.ScanNotFound);
        await Problem(await admin.GetAsync("admin/jobs/none"), ProblemTypes.JobNotFound);
        await Problem(await admin.PostAsync("admin/jobs/none/cancel", null), ProblemTypes.JobNotFound);
        await Problem(await admin.GetAsync("admin/repairs/none"), ProblemTypes.RepairNotFound);
        await Problem(await admin.GetAsync("admin/repairs/none/events"), ProblemTypes.RepairNotFound);
        await Problem(await admin.GetAsync("admin/schedule"), ProblemTypes.NoSchedule);
        var cron = await Problem(await admin.PutAsJsonAsync("admin/schedule", new { cron = "sometimes" }), ProblemTypes.InvalidSchedule);
        Assert.StartsWith("cron 'sometimes': ", cron.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Problem(await admin.PostAsync("admin/models", new StringContent("models: [")), ProblemTypes.InvalidRegistry);
        await Problem(await admin.PostAsync("admin/models/adopt/ghost", null), ProblemTypes.NotScanned);
        await Problem(
            await admin.PostAsync("admin/workflows?name=w", new StringContent("[1]", Encoding.UTF8, "application/json")),
            ProblemTypes.InvalidWorkflow
        );
        await Problem(await admin.GetAsync("admin/compare?workers=ghost"), ProblemTypes.NotComparable);
        await Problem(
            await admin.PostAsJsonAsync("admin/repair/ghost", new { actions = new[] { "verify-and-repair" } }),
            ProblemTypes.UnknownWorker
        );

        var action = await Problem(
            await admin.PostAsJsonAsync("admin/repair/ghost", new { actions = new[] { "rm-rf" } }),
            ProblemTypes.InvalidRepair
        );
        Assert.Contains("'rm-rf'", action.GetProperty("errors").GetProperty("actions")[0].GetString(), StringComparison.Ordinal);

        await Problem(
            await anonymous.PostAsJsonAsync("agent/v1/enroll", new { name = "w", enrollToken = "wrong" }),
            ProblemTypes.WrongEnrollToken
        );
        var name = await Problem(
            await anonymous.PostAsJsonAsync("agent/v1/enroll", new { name = "", enrollToken = TestServer.EnrollToken }),
            ProblemTypes.InvalidEnrolment
        );
        Assert.True(name.GetProperty("errors").TryGetProperty("name", out _), name.ToString());
        var enrolled = await (
            await anonymous.PostAsJsonAsync("agent/v1/enroll", new { name = "w", enrollToken = TestServer.EnrollToken })
        ).Content.ReadFromJsonAsync<JsonElement>();
        await Problem(
            await anonymous.PostAsJsonAsync("agent/v1/enroll", new { name = "w", enrollToken = TestServer.EnrollToken }),
            ProblemTypes.WorkerExists
        );
        using var agent = server.Client(enrolled.GetProperty("credential").GetString());
        var hello = await Problem(await agent.PostAsJsonAsync("agent/v1/hello", new { version = "1.0 beta" }), ProblemTypes.InvalidHello);
        Assert.True(hello.GetProperty("errors").TryGetProperty("version", out _), hello.ToString());
        await Problem(await agent.PostAsJsonAsync("agent/v1/jobs/none/progress", new { }), ProblemTypes.JobNotFound);
        await Problem(await agent.GetAsync("agent/v1/blobs/x?from=w"), ProblemTypes.InvalidBlobRequest);
        await Problem(await agent.PostAsync("agent/v1/relay/none", new ByteArrayContent([1])), ProblemTypes.RelayNotFound);
    }

    [Fact]
    public void Every_problem_type_is_unique_and_listed_in_the_README()
    {
        var readme = File.ReadAllText(Readme());
        Assert.Equal(ProblemTypes.All.Count, ProblemTypes.All.Select(t => t.Slug).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ProblemTypes.All, t => Assert.Contains($"| `{t.Slug}` | {t.Status} |", readme, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"type\":\"urn:comfydoctor:problem:x\",\"title\":\"T\",\"status\":404,\"detail\":\"no job 'a'\"}", "no job 'a'")]
    [InlineData("{\"title\":\"Only a title\",\"status\":500}", "Only a title")]
    [InlineData("\"unknown workers: a\"", "unknown workers: a")]
    [InlineData("not json", "not json")]
    [InlineData("", "")]
    public void A_client_prints_the_problem_s_words(string body, string expected) => Assert.Equal(expected, ProblemText.Of(body));

    private static string Readme([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "README.md");

    private static async Task<JsonElement> Problem(HttpResponseMessage response, ProblemType expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected.Status, $"{expected.Slug}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(expected.Uri, problem.GetProperty("type").GetString());
        Assert.Equal(expected.Status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), body);
        return problem;
    }
}
