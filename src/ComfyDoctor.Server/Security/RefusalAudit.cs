using ComfyDoctor.Server.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// A known caller refused for its role — a viewer posting a dashboard form or calling <c>/admin</c>, an agent calling
/// an admin route — leaves an audit record (<c>access.refused</c>: who, method and path, the outcome) and a log line before
/// the 403, when it tried to change something (any method but GET and HEAD). Refused reads change nothing and are not
/// recorded (a GET never writes the store); unknown tokens get 401 and no record (an audit trail an anonymous caller
/// could fill is not one): the sign-in and enrolment routes record their own refusals, rate limited.
/// </summary>
public sealed partial class RefusalAudit(ILogger<RefusalAudit> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(
        RequestDelegate next,
        HttpContext context,
        AuthorizationPolicy policy,
        PolicyAuthorizationResult authorizeResult
    )
    {
        if (
            authorizeResult.Forbidden
            && context.User.Identity is { IsAuthenticated: true, Name: { } who }
            && !HttpMethods.IsGet(context.Request.Method)
            && !HttpMethods.IsHead(context.Request.Method)
        )
        {
            // escaped: no control character reaches the log
            var target = $"{context.Request.Method} {context.Request.Path.ToUriComponent()}";
            Refused(logger, who, target);
            await context
                .RequestServices.GetRequiredService<AuditTrail>()
                .AppendAsync(who, "access.refused", target[..Math.Min(target.Length, 300)], "", "refused: role", context.RequestAborted);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused {Who}: {Target} needs another role")]
    private static partial void Refused(ILogger logger, string who, string target);
}
