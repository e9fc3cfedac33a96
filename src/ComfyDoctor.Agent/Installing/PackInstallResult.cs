namespace ComfyDoctor.Agent.Installing;

public enum InstallOutcome
{
    /// <summary>The pack was not there and now is.</summary>
    Installed,
    /// <summary>The pack was already there at the wanted version; nothing changed.</summary>
    AlreadyPresent,
    /// <summary>An existing checkout was moved to the pinned commit (see <see cref="PackInstallResult.PreviousCommit"/>).</summary>
    Updated,
    /// <summary>Something went wrong; <c>custom_nodes</c> and the Python environment were put back as they were.</summary>
    Failed,
    /// <summary>The source policy forbids it; nothing was touched.</summary>
    SkippedByPolicy,
    /// <summary>Dry run: what would be done, nothing changed.</summary>
    Planned,
}

/// <summary>The steps of an install, in order.</summary>
public enum InstallStage
{
    Policy,
    Download,
    Clone,
    Checkout,
    Verify,
    Requirements,
    InstallScript,
    Activate,
}

/// <summary>Whether a node type the pack was chosen for was found in its source.</summary>
public sealed record NodeTypePresence(string NodeType, bool Present);

/// <summary>The outcome for one pack.</summary>
/// <param name="Pack">The pack's folder name.</param>
/// <param name="FailedStage">The stage that failed or was refused by policy; null otherwise.</param>
/// <param name="Message">One line saying what happened and why.</param>
/// <param name="LogTail">The last lines of the git/pip/install.py output, for a report.</param>
/// <param name="Commit">The commit now checked out (null for a registry zip or a failure).</param>
/// <param name="PreviousCommit">For <see cref="InstallOutcome.Updated"/>: the commit before, for a rollback.</param>
/// <param name="NodeTypes">Per requested node type: found statically in the pack or not (empty when not checked).</param>
/// <param name="EnvironmentDrift">Packages whose state could not be restored after a failure (empty when restored).</param>
public sealed record PackInstallResult(
    string Pack,
    InstallOutcome Outcome,
    InstallStage? FailedStage,
    string Message,
    string? LogTail,
    string? Commit,
    string? PreviousCommit,
    IReadOnlyList<NodeTypePresence> NodeTypes,
    IReadOnlyList<string> EnvironmentDrift)
{
    public bool Succeeded => Outcome is InstallOutcome.Installed or InstallOutcome.AlreadyPresent or InstallOutcome.Updated;
}
