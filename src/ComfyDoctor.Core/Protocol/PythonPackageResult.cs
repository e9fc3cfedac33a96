namespace ComfyDoctor.Core.Protocol;

/// <summary>One distribution of an <c>install-python-packages</c> action, as the installed metadata showed it before and after.</summary>
/// <param name="Name">The normalised distribution name.</param>
/// <param name="Before">The version installed before (null: not installed).</param>
/// <param name="Planned">The version the plan asked for (null for a dependency that moved with the planned ones).</param>
/// <param name="After">The version installed when the action ended, after any rollback (null: not installed).</param>
/// <param name="State">One of <see cref="PythonPackageStates"/>.</param>
/// <param name="Message">Why, when it is not plain: the refusal, the failure, what a rollback could not put back.</param>
public sealed record PythonPackageResult(string Name, string? Before, string? Planned, string? After, string State, string? Message = null);

/// <summary>What happened to one distribution of an <c>install-python-packages</c> action.</summary>
public static class PythonPackageStates
{
    /// <summary>Now at the planned version, read back from the installed metadata.</summary>
    public const string Installed = "installed";

    /// <summary>Already at the planned version; not touched.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>Not attempted: the torch family without the admin's allowance, an unsafe name or version, a denied release.</summary>
    public const string Refused = "refused";

    /// <summary>Not at the planned version after pip (whatever pip's exit code said); the action failed.</summary>
    public const string Failed = "failed";

    /// <summary>Changed during a failed action and put back to its version before.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Changed during a failed action and NOT put back: the worker differs from before (see the message).</summary>
    public const string RollbackFailed = "rollback-failed";

    /// <summary>Not in the plan, moved with it as a declared dependency of a planned package.</summary>
    public const string Dependency = "dependency";
}
