using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Server.Security;

/// <summary>The two route groups every resource maps into: the admin API and the agent API, each behind its role.</summary>
public static class ApiGroups
{
    /// <summary><c>/admin/…</c> routes of one resource: the admin token only, tagged with the resource in the OpenAPI document.</summary>
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app, string tag) =>
        app.MapGroup("/admin").RequireAuthorization(TokenAuthentication.AdminRole).WithTags(tag);

    /// <summary><c>/agent/v1/…</c> routes of one resource: an agent's credential only.</summary>
    public static RouteGroupBuilder MapAgentGroup(this IEndpointRouteBuilder app, string tag) =>
        app.MapGroup(AgentProtocol.Prefix).RequireAuthorization(TokenAuthentication.AgentRole).WithTags(tag);
}
