using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Installs one custom node pack safely, per the admin's <see cref="InstallPolicy"/>:
/// policy → fetch (git clone into a staging folder, or a registry zip) → exact version checkout, confirmed →
/// static check that the pack provides the node types → requirements under constraints → <c>install.py</c> →
/// a rename into place. A failed pack leaves <c>custom_nodes</c> and the Python environment as they were.
/// Never throws for a bad pack or source; only cancellation escapes (after cleaning up).
/// </summary>
public sealed class NodePackInstaller
{
    private readonly InstallPolicy _policy;
    private readonly NodeTypeScanner _scanner;
    private readonly RegistryClient? _registry;

    /// <param name="policy">What the admin allows.</param>
    /// <param name="scanner">Finds the node types a pack folder registers, statically; by default
    /// <see cref="NodeClassScanner.Scan"/>.</param>
    /// <param name="registry">A registry source for requests that carry a <see cref="PackInstallRequest.RegistryId"/>.</param>
    public NodePackInstaller(InstallPolicy policy, NodeTypeScanner? scanner = null, RegistryClient? registry = null)
    {
        _policy = policy;
        _scanner = scanner ?? NodeClassScanner.Scan;
        _registry = registry;
    }

    /// <summary>A staging folder this old is left over from an interrupted run.</summary>
    public static TimeSpan StaleStagingAge { get; } = TimeSpan.FromHours(6);

    public async Task<PackInstallResult> InstallAsync(
        PackInstallRequest request,
        InstallContext context,
        IProgress<InstallProgress>? progress = null,
        CancellationToken ct = default
    )
    {
        var decision = SourcePolicy.Judge(request, _policy);
        var run = new InstallRun(request, context, _policy, decision, _scanner, progress);
        if (!decision.Allowed)
        {
            return run.Skipped(InstallStage.Policy, decision.Reason);
        }

        run.Report(InstallStage.Policy, $"allowed: {decision.Reason}");
        var fromRegistry = request.RegistryId is not null && _registry is not null;
        var firstStage = fromRegistry ? InstallStage.Download : InstallStage.Clone;
        if (!Directory.Exists(context.CustomNodes))
        {
            return run.Failed(
                new InstallStepException(firstStage, $"{context.CustomNodes} does not exist; is {context.ComfyUiRoot} a ComfyUI folder?"),
                []
            );
        }

        if (Conflict(request, context) is { } conflict)
        {
            return run.Failed(new InstallStepException(firstStage, conflict), []);
        }

        if (fromRegistry)
        {
            return await RegistryPackInstall.RunAsync(run, _registry!, ct);
        }

        if (decision.CloneUrl is null)
        {
            return run.Failed(
                new InstallStepException(
                    InstallStage.Clone,
                    $"registry pack {request.RegistryId} has no repository URL and no registry source is configured"
                ),
                []
            );
        }

        return Directory.Exists(run.Target) ? await ExistingPackUpdate.RunAsync(run, ct) : await GitPackInstall.RunAsync(run, ct);
    }

    /// <summary>
    /// Installs several packs one after another (pip must not run twice at once in one environment), after removing
    /// staging folders that an interrupted earlier run left behind (older than <see cref="StaleStagingAge"/>).
    /// </summary>
    public async Task<IReadOnlyList<PackInstallResult>> InstallAllAsync(
        IEnumerable<PackInstallRequest> requests,
        InstallContext context,
        IProgress<InstallProgress>? progress = null,
        CancellationToken ct = default
    )
    {
        if (!context.DryRun)
        {
            StagingCleanup.RemoveStale(context.CustomNodes, StaleStagingAge, DateTimeOffset.UtcNow);
        }

        var results = new List<PackInstallResult>();
        foreach (var request in requests)
        {
            results.Add(await InstallAsync(request, context, progress, ct));
        }

        return results;
    }

    /// <summary>Another form of the same pack already in custom_nodes: a file of that name, or a disabled copy
    /// (<c>PackName.disabled</c>, or ComfyUI-Manager's <c>.disabled/PackName[@version]</c>).</summary>
    private static string? Conflict(PackInstallRequest request, InstallContext context)
    {
        var target = Path.Combine(context.CustomNodes, request.PackName);
        if (File.Exists(target))
        {
            return $"custom_nodes/{request.PackName} exists and is a file; left untouched";
        }

        return ManagerLayout.DisabledCopies(context.CustomNodes, request.PackName) is [var copy, ..]
            ? $"{copy} is already there (a disabled copy of {request.PackName}): enable it (the node.disabled repair) or remove it first; "
                + "a second copy beside it is never installed"
            : null;
    }
}
