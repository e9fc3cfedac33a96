namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// The agent itself: one older than the server that judges its reports is <c>agent.outdated</c> (yellow runtime light;
/// <c>deploy</c> upgrades it). Versions compare as numbers (<c>0.10.0</c> is newer than <c>0.9.0</c>); an agent that did not
/// say its version, or a version that is not numbers, cannot be compared and gives no finding.
/// </summary>
public static class AgentRules
{
    public static IEnumerable<Finding> Check(string? agentVersion, string serverVersion)
    {
        if (Parse(agentVersion) is { } agent && Parse(serverVersion) is { } server && agent < server)
        {
            yield return new Finding(
                FindingCodes.AgentOutdated,
                Severity.Warning,
                "agent",
                $"the agent is version {agentVersion}, older than the server's {serverVersion}: upgrade it (comfydoctor deploy, or "
                    + "install the new executable)",
                Repairable: false,
                HealthCategory.Runtime
            );
        }
    }

    /// <summary><c>1.2.3</c>, <c>1.2.3-rc1</c> or <c>1.2.3+commit</c> → 1.2.3; anything else → null.</summary>
    public static Version? Parse(string? version)
    {
        if (string.IsNullOrWhiteSpace(version))
        {
            return null;
        }

        var end = version.IndexOfAny(['-', '+']);
        return Version.TryParse(end < 0 ? version : version[..end], out var parsed) ? parsed : null;
    }
}
