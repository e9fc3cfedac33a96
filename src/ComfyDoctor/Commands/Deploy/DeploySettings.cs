namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>What <c>deploy</c> installs on every host: the agent options it passes to <c>agent install</c> and how.</summary>
/// <param name="Executables">The self-contained executables to choose from, by the machine each is built for (uname -m).</param>
/// <param name="InstallArguments">The options of <c>agent install</c> every host gets (--server, --comfyui, --tags …).</param>
/// <param name="CaCertPem">The CA certificate's text, written beside the agent on each host.</param>
public sealed record DeploySettings(
    IReadOnlyDictionary<string, (string Path, string Sha256)> Executables,
    IReadOnlyList<string> InstallArguments,
    string? Prefix,
    string EnrollToken,
    string? CaCertPem,
    bool Systemd,
    bool Sudo,
    bool DryRun,
    TimeSpan Wait
);
