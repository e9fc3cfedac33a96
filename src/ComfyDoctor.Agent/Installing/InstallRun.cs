using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>Everything one pack's install shares between its steps: inputs, the log, progress, and result building.</summary>
internal sealed class InstallRun(
    PackInstallRequest request,
    InstallContext context,
    InstallPolicy policy,
    PolicyDecision decision,
    NodeTypeScanner scanner,
    IProgress<InstallProgress>? progress
)
{
    public const string StagingPrefix = ".comfydoctor-staging-";

    public PackInstallRequest Request => request;

    public InstallContext Context => context;

    public InstallPolicy Policy => policy;

    public PolicyDecision Decision => decision;

    public InstallLog Log { get; } = new();

    public string Target => Path.Combine(context.CustomNodes, request.PackName);

    public PackSetup NewSetup() => new(policy, context, scanner, Log);

    public GitClient Git(string url) => new(Log, policy.Mirrors, url.StartsWith("file:", StringComparison.OrdinalIgnoreCase));

    public void Report(InstallStage stage, string message)
    {
        Log.Add($"[{stage}] {message}");
        progress?.Report(new InstallProgress(request.PackName, stage, message));
    }

    /// <summary>A fresh path inside custom_nodes that ComfyUI skips (it ends in <c>.disabled</c>).</summary>
    public string NewStagingPath() =>
        Path.Combine(context.CustomNodes, $"{StagingPrefix}{request.PackName}-{Guid.NewGuid().ToString("N")[..8]}.disabled");

    /// <summary>The pin that was met, when it needs saying (see <see cref="PackInstallResult.VersionNote"/>).</summary>
    public string? VersionNote { get; set; }

    public PackInstallResult Done(
        InstallOutcome outcome,
        string message,
        string? commit = null,
        string? previous = null,
        IReadOnlyList<NodeTypeResult>? presence = null
    )
    {
        var unconfirmed = (presence ?? []).Where(p => !p.IsConfirmed).Select(p => p.NodeType).ToList();
        message += VersionNote is null ? "" : "; " + VersionNote;
        message += unconfirmed.Count == 0 ? "" : $"; not confirmed statically: {string.Join(", ", unconfirmed)}";
        Report(InstallStage.Activate, message);
        return new(request.PackName, outcome, null, Redaction.Redact(message), Log.Tail(), commit, previous, presence ?? [], [])
        {
            VersionNote = VersionNote,
        };
    }

    public PackInstallResult Skipped(InstallStage stage, string reason)
    {
        Log.Add($"[{stage}] skipped: {reason}");
        return new(
            request.PackName,
            InstallOutcome.SkippedByPolicy,
            stage,
            Redaction.Redact(reason),
            Log.Tail(),
            null,
            null,
            NotInstalled("refused by policy"),
            []
        );
    }

    public PackInstallResult Failed(
        InstallStepException error,
        IReadOnlyList<string> drift,
        string? commit = null,
        IReadOnlyList<NodeTypeResult>? presence = null,
        string? cleanupProblem = null
    )
    {
        var message = error.Message;
        if (drift.Count > 0)
        {
            message += $"; the Python environment could not be fully restored: {string.Join("; ", drift)}";
        }

        if (cleanupProblem is not null)
        {
            message += "; " + cleanupProblem;
        }

        Log.Add($"[{error.Stage}] failed: {message}");
        var outcome =
            error.Stage == InstallStage.InstallScript && !policy.AllowInstallScripts
                ? InstallOutcome.SkippedByPolicy
                : InstallOutcome.Failed;
        return new(
            request.PackName,
            outcome,
            error.Stage,
            Redaction.Redact(message),
            Log.Tail(),
            commit,
            null,
            presence ?? NotInstalled($"the pack's {error.Stage.ToString().ToLowerInvariant()} step failed"),
            drift
        );
    }

    private List<NodeTypeResult> NotInstalled(string why) =>
        [.. request.NodeTypes.Distinct(StringComparer.Ordinal).Select(t => new NodeTypeResult(t, NodeTypeStates.NotInstalled, why))];

    /// <summary>Wraps an unexpected I/O error as a failure of <paramref name="stage"/>.</summary>
    public static InstallStepException AsStep(Exception e, InstallStage stage) =>
        e as InstallStepException ?? new InstallStepException(stage, $"{e.GetType().Name}: {e.Message}", e);

    public static bool IsStepFailure(Exception e) =>
        e is InstallStepException or IOException or UnauthorizedAccessException or InvalidDataException;
}
