using System.Net;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Sign-in, roles, anti-forgery and rate limiting over plain HTTP against a real server.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task A_browser_without_a_session_is_sent_to_sign_in_and_a_script_gets_401()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var browser = new BrowserlessClient(server.Url);
        var page = await browser.Http.GetAsync("/compare");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/signin", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        using var script = new HttpClient { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/compare")).StatusCode);
    }

    [Fact]
    public async Task The_admin_token_buys_an_http_only_session_and_a_wrong_token_does_not()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var browser = new BrowserlessClient(server.Url);

        var wrong = await browser.SignInAsync("not-the-token-0000000000");
        Assert.Equal("/signin?failed=1", wrong.Headers.Location!.OriginalString);
        Assert.DoesNotContain(browser.Cookies.GetCookies(server.Url), c => c.Name == "comfydoctor-session");

        var signedIn = await browser.SignInAsync(DashboardServer.AdminToken);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
        var session = Assert.Single(browser.Cookies.GetCookies(server.Url), c => c.Name == "comfydoctor-session");
        Assert.True(session.HttpOnly);
        var fleet = await browser.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, fleet.StatusCode);
        Assert.Contains("Signed in as admin", await fleet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_returns_to_the_page_asked_for_but_never_to_another_site()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var browser = new BrowserlessClient(server.Url);
        var asked = (await browser.Http.GetAsync("/compare")).Headers.Location!;
        Assert.Contains(
            "<input type=\"hidden\" name=\"returnUrl\" value=\"/compare\"",
            await browser.Http.GetStringAsync(asked),
            StringComparison.Ordinal
        );

        foreach (
            var (returnUrl, expected) in new[]
            {
                ("/compare", "/compare"),
                ("//evil.example/x", "/"),
                ("https://evil.example/", "/"),
                ("/\\evil.example", "/"),
            }
        )
        {
            var answer = await browser.PostFormAsync(
                "/ui/signin",
                new()
                {
                    ["token"] = DashboardServer.AdminToken,
                    ["returnUrl"] = returnUrl,
                    ["__RequestVerificationToken"] = await browser.FormTokenAsync("/signin"),
                }
            );
            Assert.Equal(expected, answer.Headers.Location!.OriginalString);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.GetAsync("/workers/nobody")).StatusCode);
    }

    [Fact]
    public async Task A_form_post_without_its_anti_forgery_token_is_refused()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var browser = new BrowserlessClient(server.Url);
        await browser.SignInAsync(DashboardServer.AdminToken);

        var forged = await browser.PostFormAsync("/ui/scan", new() { ["deep"] = "false" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var genuine = await browser.PostFormAsync(
            "/ui/scan",
            new() { ["deep"] = "false", ["__RequestVerificationToken"] = await browser.FormTokenAsync("/") }
        );
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
    }

    [Fact]
    public async Task A_viewer_sees_every_page_but_every_action_is_refused_on_the_server()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        using var viewer = new BrowserlessClient(server.Url);
        await viewer.SignInAsync(DashboardServer.ViewerToken);
        foreach (var page in new[] { "/", "/compare", "/repairs", "/workflows", "/registry", "/audit" })
        {
            var response = await viewer.Http.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {response.StatusCode}");
        }

        var token = await viewer.FormTokenAsync("/"); // the sign-out form's token: valid, but the role is not
        foreach (var action in new[] { "/ui/scan", "/ui/repair", "/ui/registry/adopt" })
        {
            var refused = await viewer.PostFormAsync(
                action,
                new()
                {
                    ["__RequestVerificationToken"] = token,
                    ["worker"] = "gpu-01",
                    ["workers"] = "gpu-01",
                    ["action"] = "verify-and-repair",
                }
            );
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{action}: {refused.StatusCode}");
        }

        foreach (var upload in new[] { "/ui/registry/import", "/ui/workflows" })
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(token), "__RequestVerificationToken" },
                { new StringContent("{}"), "file", "x.json" },
            };
            var refused = await viewer.Http.PostAsync(upload, form);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{upload}: {refused.StatusCode}");
        }

        Assert.DoesNotContain("Scan all", await viewer.Http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_attempts_beyond_the_limit_are_refused_with_429()
    {
        await using var server = await DashboardServer.StartAsync(signInPermits: 3, withAgents: false);
        using var browser = new BrowserlessClient(server.Url);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync("wrong-token-000000000000")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.SignInAsync(DashboardServer.AdminToken)).StatusCode);
    }
}
