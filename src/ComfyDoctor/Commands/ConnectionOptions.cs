using System.CommandLine;
using ComfyDoctor.Agent.Remote;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>--ca-cert</c> and <c>--allow-insecure-http</c>: how the agent and the admin commands trust the server
/// (<see cref="ServerConnection"/>).</summary>
public static class ConnectionOptions
{
    internal static readonly Option<FileInfo?> CaCert = new("--ca-cert")
    {
        Description = "Also trust this CA certificate (PEM) for the server's https:// certificate: a private CA or a self-signed server",
    };
    internal static readonly Option<bool> AllowInsecureHttp = new("--allow-insecure-http")
    {
        Description = "Allow plain http:// to a server that is not on this machine (tokens then cross the network in clear)",
    };

    /// <summary>A handler for <paramref name="server"/>, refused before any connection when plain http would leave this machine.</summary>
    public static SocketsHttpHandler Handler(ParseResult parse, Uri server)
    {
        if (ServerConnection.InsecureProblem(server, parse.GetValue(AllowInsecureHttp)) is { } problem)
        {
            throw new UsageException(problem);
        }

        var ca = parse.GetValue(CaCert);
        if (ca is not null && !ca.Exists)
        {
            throw new UsageException($"--ca-cert {ca.FullName}: file not found");
        }

        return ServerConnection.Handler(ca?.FullName);
    }
}
