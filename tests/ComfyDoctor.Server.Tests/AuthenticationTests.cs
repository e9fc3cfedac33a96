using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task Every_route_refuses_no_token_a_wrong_token_and_the_wrong_role()
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
        using var wrong = server.Client("not-a-token-at-all-0000");

        var endpoints = server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var routes = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(e =>
                (
                    Pattern: e.RoutePattern.RawText!,
                    // /metrics takes any method
                    Method: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods[0] ?? "GET",
                    Accepts: e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes is [var first, ..]
                        ? first
                        : null
                )
            )
            .ToList();
        Assert.True(routes.Count >= 12, $"only {routes.Count} routes found");
        // The only doors without a token: enrollment (it checks the enroll token itself), the dashboard's sign-in, and the
        // two probes for load balancers (they say ok / not ok and nothing else).
        Assert.Equal(
            ["/agent/v1/enroll", "/healthz", "/readyz", "/signin", "/ui/signin"],
            endpoints
                .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
                .Select(e => e.RoutePattern.RawText!)
                .Order(StringComparer.Ordinal)
        );

        foreach (var (pattern, method, accepts) in routes)
        {
            var path = pattern
                .Replace("{id}", "x", StringComparison.Ordinal)
                .Replace("{worker}", "x", StringComparison.Ordinal)
                .Replace("{repairId}", "x", StringComparison.Ordinal)
                .Replace("{documentName}", "v1", StringComparison.Ordinal)
                .TrimStart('/');
            // A body of the kind the route takes (else routing answers 415 before authentication has a say).
            HttpRequestMessage Request() =>
                new(new HttpMethod(method), path)
                {
                    Content =
                        method == "GET"
                            ? null
                            : accepts switch
                            {
                                "multipart/form-data" => new MultipartFormDataContent { { new StringContent("x"), "name" } },
                                "application/x-www-form-urlencoded" => new FormUrlEncodedContent([]),
                                _ => JsonContent.Create(new { }),
                            },
                };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Request())).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(Request())).StatusCode);
            var wrongRole = pattern.StartsWith("/agent", StringComparison.Ordinal) ? admin : agent;
            var status = (await wrongRole.SendAsync(Request())).StatusCode;
            Assert.True(status == HttpStatusCode.Forbidden, $"{method} {pattern} with the wrong role: {status}");
        }
    }

    [Fact]
    public async Task Generated_secrets_are_private_and_stable_across_restarts()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cdsec-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var first = Security.Secrets.Load(new ServerOptions("http://127.0.0.1:0", null, dataDir));
            var second = Security.Secrets.Load(new ServerOptions("http://127.0.0.1:0", null, dataDir));

            Assert.Equal(4, first.GeneratedFiles.Count); // admin, enroll and viewer tokens, master key
            Assert.Empty(second.GeneratedFiles);
            Assert.Equal(first.AdminToken, second.AdminToken);
            Assert.NotEqual(first.AdminToken, first.EnrollToken);
            Assert.NotEqual(first.AdminToken, first.ViewerToken);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "admin-token")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "master-key")));
            Assert.Equal(first.Files, second.Files); // named on every start, not only the first

            await File.WriteAllTextAsync(Path.Combine(dataDir, "enroll-token"), "short");
            var refused = Assert.Throws<InvalidDataException>(() =>
                Security.Secrets.Load(new ServerOptions("http://127.0.0.1:0", null, dataDir))
            );
            Assert.Contains(Path.Combine(dataDir, "enroll-token"), refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
