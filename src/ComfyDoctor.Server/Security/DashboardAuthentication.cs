using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// The dashboard's session: the admin or viewer token is exchanged once for an HTTP-only, same-site cookie. Dashboard
/// routes accept that cookie or a bearer token (so an agent's credential is refused with 403, like on /admin); /admin
/// itself stays bearer-only. A browser without a session is sent to the sign-in page; anything else gets 401.
/// </summary>
public static class DashboardAuthentication
{
    public const string CookieScheme = "Cookies";
    public const string Scheme = "Dashboard";
    public const string ViewerRole = "viewer";

    /// <summary>Admins and viewers: every page.</summary>
    public const string ReadPolicy = "dashboard-read";

    /// <summary>Admins only: every dashboard action that changes something.</summary>
    public const string WritePolicy = "dashboard-write";

    public const string SignInRateLimit = "sign-in";
    public const string SignInPath = "/signin";

    public static void AddDashboardAuthentication(this IServiceCollection services, ServerOptions options)
    {
        services.AddSessionKeys();
        services
            .AddAuthentication()
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = "comfydoctor-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                cookie.LoginPath = SignInPath;
                cookie.Events.OnRedirectToLogin = context =>
                {
                    var browser =
                        HttpMethods.IsGet(context.Request.Method)
                        && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal);
                    if (browser)
                    {
                        context.Response.Redirect(context.RedirectUri);
                    }
                    else
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    }

                    return Task.CompletedTask;
                };
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            })
            .AddPolicyScheme(Scheme, null, policy =>
                policy.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? TokenAuthentication.SchemeName : CookieScheme
            );
        services
            .AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(TokenAuthentication.AdminRole, ViewerRole))
            .AddPolicy(WritePolicy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(TokenAuthentication.AdminRole));
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignInRateLimit, context =>
                RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = options.SignInPermitsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }
                )
            );
        });
    }
}
