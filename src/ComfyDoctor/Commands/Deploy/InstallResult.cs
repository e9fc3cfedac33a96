namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>What one <c>agent install</c> did (its <c>--json</c> line, which <c>deploy</c> reads back over SSH).</summary>
/// <param name="Changes">What changed, in order; empty when everything was already as asked (a no-op).</param>
/// <param name="Service">How the agent runs: the systemd unit, or the wrapper and its pid file (then nothing restarts it).</param>
public sealed record InstallResult(
    string Worker,
    bool Enrolled,
    IReadOnlyList<string> Changes,
    string Service,
    string Executable,
    string Sha256
);
