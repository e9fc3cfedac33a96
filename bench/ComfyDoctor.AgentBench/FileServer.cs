using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.AgentBench;

/// <summary>
/// The model source both clients download from: Kestrel sending files with sendfile(2), Range requests honoured, as a model
/// mirror or a peer would. One server for curl and for ComfyDoctor, so the comparison is of the clients.
/// </summary>
public static class FileServer
{
    public static async Task<int> RunAsync(string root, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var folder = Path.GetFullPath(root);
        app.MapGet("/{name}", (string name) =>
        {
            var path = Path.Combine(folder, Path.GetFileName(name));
            return File.Exists(path) ? Results.File(path, "application/octet-stream", enableRangeProcessing: true) : Results.NotFound();
        });
        await app.StartAsync();
        Console.WriteLine($"serving {folder} on http://127.0.0.1:{port}/");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
