using Microsoft.Extensions.Hosting;

namespace ComfyDoctor.Agent.Blobs;

/// <summary>
/// The lifetime of a web host that runs inside a command (the agent's blob server): it installs no SIGTERM/SIGINT
/// handler. The default console lifetime would take those signals, cancel their default action and stop only this host,
/// so <c>agent --listen</c> never stopped on SIGTERM; the command (System.CommandLine) handles them and stops everything.
/// </summary>
public sealed class CommandHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
