using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c>: the admin token (compared in constant time) gives the admin role, the viewer
/// token the viewer role (the dashboard's read routes, nothing else); an agent's
/// credential (stored only as its SHA-256) gives the agent role and the worker's id. Anything else is unauthenticated.
/// A recognised agent credential is remembered for a while (<see cref="AgentCredentials"/>): a poll renewal costs no query.
/// </summary>
public sealed class TokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    Secrets secrets,
    AgentCredentials known,
    ComfyDoctorDb db
) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string AdminRole = "admin";
    public const string AgentRole = "agent";
    public const string MetricsRole = "metrics";
    public const string WorkerIdClaim = "worker_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (SecretComparison.Matches(token, secrets.AdminToken))
        {
            return Success([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, AdminRole)]);
        }

        if (SecretComparison.Matches(token, secrets.ViewerToken))
        {
            // dashboard pages only
            return Success([new Claim(ClaimTypes.Name, "viewer"), new Claim(ClaimTypes.Role, DashboardAuthentication.ViewerRole)]);
        }

        if (SecretComparison.Matches(token, secrets.MetricsToken))
        {
            return Success([new Claim(ClaimTypes.Name, "metrics"), new Claim(ClaimTypes.Role, MetricsRole)]);
        }

        var hash = Secrets.HashCredential(token);
        if (known.Find(hash) is not { } worker)
        {
            var found = await db
                .Workers.AsNoTracking()
                .Where(w => w.CredentialHash == hash)
                .Select(w => new { w.Id, w.Name })
                .FirstOrDefaultAsync(Context.RequestAborted);
            if (found is null)
            {
                return AuthenticateResult.Fail("unknown token");
            }

            known.Remember(hash, found.Id, found.Name);
            worker = (found.Id, found.Name);
        }

        return Success([
            new Claim(ClaimTypes.Name, "agent:" + worker.Name),
            new Claim(ClaimTypes.Role, AgentRole),
            new Claim(WorkerIdClaim, worker.Id),
        ]);
    }

    private static AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}
