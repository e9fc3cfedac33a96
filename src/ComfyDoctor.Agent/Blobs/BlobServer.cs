using ComfyDoctor.Core.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Blobs;

/// <summary>
/// <c>agent --listen ADDR:PORT</c>: serves this worker's verified model files to peers, by SHA-256 only
/// (<c>GET /blobs/{sha256}</c>, HTTP ranges for resumes), to requests carrying a token its server signed
/// (<see cref="BlobToken"/>). No path from the request ever reaches the file system; anything else is 404.
/// </summary>
public static class BlobServer
{
    public static async Task<WebApplication> StartAsync(string listenUrl, VerifiedBlobs blobs, Func<string?> blobKey, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listenUrl);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CommandHostLifetime>(); // SIGTERM stops the agent, not only this host
        var app = builder.Build();
        app.MapGet("/blobs/{sha256}", (string sha256, HttpRequest request) =>
        {
            var token =
                request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
                    ? auth[7..]
                    : null;
            if (blobKey() is not { } key || !BlobToken.IsValid(key, token, DateTimeOffset.UtcNow))
            {
                return Results.Unauthorized();
            }

            if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
            {
                return Results.BadRequest("a blob is named by its lowercase SHA-256");
            }

            var (stream, problem) = blobs.Open(sha256);
            return stream is null
                ? Results.NotFound(problem)
                : Results.Stream(stream, "application/octet-stream", enableRangeProcessing: true);
        });
        await app.StartAsync(ct);
        return app;
    }
}
