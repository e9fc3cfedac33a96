using ComfyDoctor.Core.Nodes;

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

/// <summary>The outcome for one pack.</summary>
/// <param name="Pack">The pack's folder name.</param>
/// <param name="FailedStage">The stage that failed or was refused by policy; null otherwise.</param>
/// <param name="Message">One line saying what happened and why.</param>
/// <param name="LogTail">The last lines of the git/pip/install.py output, for a report.</param>
/// <param name="Commit">The commit now checked out (null for a registry zip or a failure).</param>
/// <param name="PreviousCommit">For <see cref="InstallOutcome.Updated"/>: the commit before, for a rollback.</param>
/// <param name="NodeTypes">Per requested node type: confirmed statically or not, with the evidence; after a failure each is
/// <see cref="NodeTypeStates.NotInstalled"/> (issue 15 §6).</param>
/// <param name="EnvironmentDrift">Packages whose state could not be restored after a failure (empty when restored).</param>
public sealed record PackInstallResult(
    string Pack,
    InstallOutcome Outcome,
    InstallStage? FailedStage,
    string Message,
    string? LogTail,
    string? Commit,
    string? PreviousCommit,
    IReadOnlyList<NodeTypeResult> NodeTypes,
    IReadOnlyList<string> EnvironmentDrift
)
{
    /// <summary>The pin that was honoured when it is not the first one asked for, or the nearest older release taken
    /// for a pin that was never released (<c>node.version-mismatch</c>, yellow); null when the first pin was met.</summary>
    public string? VersionNote { get; init; }

    /// <summary>Installed, but some node types are not confirmed statically (yellow).</summary>
    public bool HasUnconfirmed => Succeeded && NodeTypes.Any(t => !t.IsConfirmed);

    public bool Succeeded => Outcome is InstallOutcome.Installed or InstallOutcome.AlreadyPresent or InstallOutcome.Updated;
}
