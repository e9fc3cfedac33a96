using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// A pack folder that is already there. At the wanted version (or with no version pinned): already present, nothing
/// touched. At another version: refused when it is not a checkout of the same repository or has local changes;
/// otherwise fetched and moved to the pinned commit in place, with the previous commit recorded for a rollback. A
/// failure after the move puts the checkout back on its previous commit (and branch) and restores Python.
/// </summary>
internal static class ExistingPackUpdate
{
    public static async Task<PackInstallResult> RunAsync(InstallRun run, CancellationToken ct)
    {
        var folder = run.Target;
        var url = run.Decision.CloneUrl!;
        var git = run.Git(url);
        var setup = run.NewSetup();
        string? previous = null;
        string? branch = null;
        var moved = false;
        var stage = InstallStage.Checkout;
        try
        {
            if (!Directory.Exists(Path.Combine(folder, ".git")))
            {
                throw new InstallStepException(
                    InstallStage.Checkout,
                    $"custom_nodes/{run.Request.PackName} exists and is not a git checkout; left untouched"
                );
            }

            var remote = await git.RemoteUrlAsync(folder, ct);
            if (!RepoUrl.SameRepo(remote, run.Request.Url) && !RepoUrl.SameRepo(remote, url))
            {
                throw new InstallStepException(
                    InstallStage.Checkout,
                    $"custom_nodes/{run.Request.PackName} is a checkout of {remote ?? "an unknown remote"}, not {run.Request.Url}; "
                        + "left untouched"
                );
            }

            previous = await git.HeadAsync(folder, ct);
            if (await AtAPinAsync(git, folder, run.Request, previous, ct))
            {
                var presence = setup.Verify(folder, run.Request);
                return run.Done(InstallOutcome.AlreadyPresent, $"already at {previous}", previous, null, presence);
            }

            if (await git.IsDirtyAsync(folder, ct))
            {
                throw new InstallStepException(
                    InstallStage.Checkout,
                    $"custom_nodes/{run.Request.PackName} has local changes to tracked files at {previous}; left untouched"
                );
            }

            if (run.Context.DryRun)
            {
                return run.Done(
                    InstallOutcome.Planned,
                    $"would move custom_nodes/{run.Request.PackName} from {previous} to {run.Request.Version} (fetching {url})",
                    previous
                );
            }

            branch = await git.BranchAsync(folder, ct);
            run.Report(InstallStage.Checkout, $"fetching {url}");
            await git.FetchAsync(folder, url, ct);
            (var commit, run.VersionNote) = await PinChoice.ChooseAsync(git, folder, run.Request, run.Policy.StrictPins, ct);
            if (string.Equals(commit, previous, StringComparison.OrdinalIgnoreCase))
            {
                return run.Done(InstallOutcome.AlreadyPresent, $"already at {previous}", previous, null, setup.Verify(folder, run.Request));
            }

            run.Report(InstallStage.Checkout, $"moving from {previous} to {commit}");
            moved = true;
            await git.CheckoutAsync(folder, commit, ct);
            if (run.Request.Submodules)
            {
                await git.SubmodulesAsync(folder, ct);
            }

            stage = InstallStage.Verify;
            var found = await setup.RunAsync(folder, run.Request, run.Report, ct);
            return run.Done(InstallOutcome.Updated, $"moved {run.Request.PackName} from {previous} to {commit}", commit, previous, found);
        }
        catch (Exception e) when (InstallRun.IsStepFailure(e))
        {
            var drift = await setup.RestoreAsync(CancellationToken.None);
            var rollback = moved ? await RollBackAsync(git, folder, branch, previous!) : null;
            return run.Failed(InstallRun.AsStep(e, stage), drift, previous, null, rollback);
        }
        catch (OperationCanceledException)
        {
            await setup.RestoreAsync(CancellationToken.None);
            if (moved)
            {
                await RollBackAsync(git, folder, branch, previous!);
            }

            throw;
        }
    }

    /// <summary>HEAD is already what a pin names (any of the pins; no pin: whatever is there), without fetching.</summary>
    private static async Task<bool> AtAPinAsync(GitClient git, string folder, PackInstallRequest request, string head, CancellationToken ct)
    {
        var pins = PinChoice.Pins(request);
        foreach (var pin in pins)
        {
            if (string.Equals(await VersionResolver.TryResolveLocalAsync(git, folder, pin, ct), head, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return pins.Count == 0;
    }

    /// <summary>Puts the checkout back; null when that worked, else what is wrong.</summary>
    private static async Task<string?> RollBackAsync(GitClient git, string folder, string? branch, string previous)
    {
        try
        {
            await git.RestoreAsync(folder, branch, previous, CancellationToken.None);
            return null;
        }
        catch (InstallStepException e)
        {
            return $"the checkout could not be put back on {previous}: {e.Message}";
        }
    }
}
