namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// How the system's OpenSSH client is run: batch mode (no prompt, ever), host keys checked against known_hosts
/// (<c>StrictHostKeyChecking=yes</c>; <c>accept-new</c> only when the admin asks for it), a connect timeout.
/// </summary>
public sealed record SshOptions(string? Identity, string? KnownHosts, string? ConfigFile, bool AcceptNewHostKeys, TimeSpan ConnectTimeout)
{
    public IReadOnlyList<string> Arguments(SshTarget target)
    {
        var args = new List<string>
        {
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=" + (AcceptNewHostKeys ? "accept-new" : "yes"),
            "-o",
            $"ConnectTimeout={(int)ConnectTimeout.TotalSeconds}",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ServerAliveCountMax=4",
        };
        if (ConfigFile is not null)
        {
            args.InsertRange(0, ["-F", ConfigFile]);
        }

        if (Identity is not null)
        {
            args.AddRange(["-i", Identity, "-o", "IdentitiesOnly=yes"]);
        }

        if (KnownHosts is not null)
        {
            args.AddRange(["-o", "UserKnownHostsFile=" + KnownHosts]);
        }

        if (target.Port is { } port)
        {
            args.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        args.Add(target.Destination);
        return args;
    }
}
