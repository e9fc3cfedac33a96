using System.Security.Claims;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComfyDoctor.Server.Dashboard;

/// <summary><c>POST /ui/signin</c> (the admin or viewer token → a session cookie; rate limited per address) and <c>POST
/// /ui/signout</c>.</summary>
public static class SessionEndpoints
{
    public static void MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        // Open to anyone, but authenticated like the sign-in page (the dashboard's scheme), so a signed-in user's
        // anti-forgery token — bound to that user — is checked against the same user when they sign in again.
        app.MapPost("/ui/signin", SignInAsync)
            .RequireAuthorization(DashboardAuthentication.ReadPolicy)
            .AllowAnonymous()
            .RequireRateLimiting(DashboardAuthentication.SignInRateLimit);
        app.MapPost("/ui/signout", async Task<RedirectHttpResult> ([FromForm] string? confirm, HttpContext context) =>
            {
                await context.SignOutAsync(DashboardAuthentication.CookieScheme);
                return TypedResults.Redirect(DashboardAuthentication.SignInPath);
            })
            .RequireAuthorization(DashboardAuthentication.ReadPolicy);
    }

    private static async Task<RedirectHttpResult> SignInAsync(
        [FromForm] string? token,
        [FromForm] string? returnUrl,
        HttpContext context,
        Secrets secrets,
        AuditTrail audit
    )
    {
        var role =
            Matches(token, secrets.AdminToken) ? TokenAuthentication.AdminRole
            : Matches(token, secrets.ViewerToken) ? DashboardAuthentication.ViewerRole
            : null;
        var ct = context.RequestAborted;
        if (role is null)
        {
            await audit.AppendAsync(
                "dashboard",
                "dashboard.signin",
                context.Connection.RemoteIpAddress?.ToString() ?? "",
                "",
                "refused: unknown token",
                ct
            );
            return TypedResults.Redirect(DashboardAuthentication.SignInPath + "?failed=1");
        }

        // The name every audit record of this session carries: "dashboard:admin" or "dashboard:viewer".
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "dashboard:" + role), new Claim(ClaimTypes.Role, role)],
            DashboardAuthentication.CookieScheme
        );
        await context.SignInAsync(DashboardAuthentication.CookieScheme, new ClaimsPrincipal(identity));
        await audit.AppendAsync(identity.Name!, "dashboard.signin", context.Connection.RemoteIpAddress?.ToString() ?? "", "", "ok", ct);
        var local =
            returnUrl is { Length: > 0 }
            && returnUrl.StartsWith('/')
            && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.Contains('\\', StringComparison.Ordinal);
        return TypedResults.Redirect(local ? returnUrl! : "/");
    }

    private static bool Matches(string? given, string expected) => SecretComparison.Matches(given?.Trim(), expected);
}
