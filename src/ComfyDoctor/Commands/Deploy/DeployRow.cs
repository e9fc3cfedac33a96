namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>One host's outcome: one table row, or one JSON object.</summary>
/// <param name="Outcome">installed, upgraded, updated, unchanged, would-install, would-upgrade, would-check, or failed.</param>
/// <param name="Lights">The worker's lights after its first scan (category → green / yellow / red).</param>
public sealed record DeployRow(
    string Host,
    string Outcome,
    string? Worker,
    IReadOnlyDictionary<string, string>? Lights,
    IReadOnlyList<string> Changes,
    string? Service,
    string? Error
)
{
    public const string Failed = "failed";

    public static DeployRow Failure(SshTarget target, string error) => new(target.Text, Failed, null, null, [], null, error);
}
