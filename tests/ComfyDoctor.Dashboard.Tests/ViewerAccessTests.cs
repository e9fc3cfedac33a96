using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>
/// Issue 16, case 9, for the viewer: its token works as a bearer on the dashboard's read routes (the README said so, and
/// it got 401), never on <c>/admin</c>; and every change it tries — a dashboard form with its session, a form or an admin
/// call with its bearer — is refused with 403 and leaves an audit record (before: none).
/// </summary>
public sealed class ViewerAccessTests
{
    [Fact]
    public async Task The_viewer_token_reads_the_dashboard_as_a_bearer_and_every_refused_change_is_audited()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var bearer = new HttpClient { BaseAddress = server.Url };
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardServer.ViewerToken);
        foreach (var page in new[] { "/", "/compare", "/repairs", "/workflows", "/registry", "/audit" })
        {
            var response = await bearer.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page} with the viewer bearer: {response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await bearer.GetAsync("admin/workers")).StatusCode); // /admin stays the admin's
        Assert.Equal(
            HttpStatusCode.Forbidden,
            (
                await bearer.PostAsync("admin/integrity-scan", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))
            ).StatusCode
        );
        Assert.Equal(HttpStatusCode.Forbidden, (await bearer.PostAsync("ui/scan", new FormUrlEncodedContent([]))).StatusCode);

        using var session = new BrowserlessClient(server.Url);
        await session.SignInAsync(DashboardServer.ViewerToken);
        var token = await session.FormTokenAsync("/");
        foreach (var action in new[] { "/ui/scan", "/ui/repair" })
        {
            var refused = await session.PostFormAsync(
                action,
                new()
                {
                    ["__RequestVerificationToken"] = token,
                    ["workers"] = "gpu-01",
                    ["action"] = "verify-and-repair",
                }
            );
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var admin = server.Admin();
        var audit = JsonDocument
            .Parse(await admin.GetStringAsync("admin/audit?size=500"))
            .RootElement.EnumerateArray()
            .Where(a => a.GetProperty("action").GetString() == "access.refused")
            .Select(a =>
                (
                    Actor: a.GetProperty("actor").GetString(),
                    Target: a.GetProperty("target").GetString(),
                    Outcome: a.GetProperty("outcome").GetString()
                )
            )
            .ToList();
        Assert.Equal(
            [
                ("dashboard:viewer", "POST /ui/repair"),
                ("dashboard:viewer", "POST /ui/scan"),
                ("viewer", "POST /admin/integrity-scan"),
                ("viewer", "POST /ui/scan"),
            ],
            audit
                .Select(a => (a.Actor, a.Target))
                .OrderBy(a => a.Actor, StringComparer.Ordinal)
                .ThenBy(a => a.Target, StringComparer.Ordinal)
                .ToList()
        );
        Assert.All(audit, a => Assert.Equal("refused: role", a.Outcome));
        Assert.True(JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement.GetProperty("intact").GetBoolean());
        Console.WriteLine($"RELIABILITY viewer-access: bearer-pages=6/6 refused-changes=4 audited={audit.Count}");
    }
}
