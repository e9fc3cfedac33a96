using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 14.1: a newcomer finds any route's logic in the folder named for its resource. Every admin and agent route is
/// tagged with one resource, and its handler lives in that resource's folder (namespace).
/// </summary>
public sealed class ServerLayoutTests
{
    [Fact]
    public async Task Every_admin_and_agent_route_lives_in_the_folder_of_the_resource_it_is_tagged_with()
    {
        await using var server = await TestServer.StartAsync();
        var routes = server
            .App.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e =>
                e.RoutePattern.RawText is { } raw
                && (raw.StartsWith("/admin/", StringComparison.Ordinal) || raw.StartsWith("/agent/v1/", StringComparison.Ordinal))
            )
            .ToList();

        Assert.True(routes.Count >= 30, $"only {routes.Count} admin and agent routes found");
        var misplaced = routes
            .Select(e =>
                (
                    Route: Describe(e),
                    Tags: e.Metadata.GetMetadata<ITagsMetadata>()?.Tags ?? [],
                    Folder: FolderOf(e.Metadata.GetMetadata<MethodInfo>())
                )
            )
            .Where(r => r.Tags.Count != 1 || r.Tags[0] != r.Folder)
            .Select(r => $"{r.Route}: tags [{string.Join(", ", r.Tags)}], handler in {r.Folder}")
            .ToList();
        Assert.True(misplaced.Count == 0, string.Join("\n", misplaced));
    }

    private static string Describe(RouteEndpoint endpoint) =>
        $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])} {endpoint.RoutePattern.RawText}";

    /// <summary>The resource folder of a handler: the last part of its namespace (a lambda's closure class shares it).</summary>
    private static string FolderOf(MethodInfo? handler) => handler?.DeclaringType?.Namespace?.Split('.')[^1] ?? "(unknown)";
}
