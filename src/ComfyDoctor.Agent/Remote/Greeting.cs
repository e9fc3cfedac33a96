using System.Net.Http.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The hello, once per run before the first poll: tells the server this agent's build and where its blob server listens,
/// and learns the key the server signs this agent's blob tokens with.
/// </summary>
internal sealed class Greeting(AgentHttp server)
{
    private bool _greeted;

    /// <summary>The key of this agent's blob tokens (known after the hello).</summary>
    public string? BlobKey { get; private set; }

    /// <summary>The optional protocol features the server accepts (<see cref="ServerFeatures"/>), known after the hello.</summary>
    public IReadOnlyList<string> Accepts { get; private set; } = [];

    public async Task EnsureAsync(string credential, CancellationToken ct)
    {
        if (_greeted)
        {
            return;
        }

        var options = server.Options;
        using var request = server.Request(HttpMethod.Post, "hello", credential);
        var build = options.Build;
        request.Content = JsonContent.Create(
            new AgentHello(options.ListenUrl?.ToString(), build.Version, build.Commit, build.Os, build.Arch),
            options: ReportJson.Options
        );
        using var response = await server.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var welcome = await response.Content.ReadFromJsonAsync<AgentWelcome>(ReportJson.Options, ct);
        (BlobKey, Accepts) = (welcome?.BlobKey, welcome?.Accepts ?? []);
        _greeted = true;
        AgentLog.Greeted(server.Log, options.Server, options.ListenUrl?.ToString() ?? "none: peers go through the relay");
    }
}
