namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// A pack that is not there yet, from git: clone into a staging folder inside <c>custom_nodes</c> that ComfyUI skips,
/// check out the exact commit and confirm it, submodules only when asked, verify, set up Python, and only then rename
/// the staging folder into place. Any failure removes the staging folder and restores the Python environment.
/// </summary>
internal static class GitPackInstall
{
    public static async Task<PackInstallResult> RunAsync(InstallRun run, CancellationToken ct)
    {
        var url = run.Decision.CloneUrl!;
        var pins = PinChoice.Pins(run.Request);
        var wanted = pins.Count == 0 ? "the default branch head" : string.Join(" or ", pins);
        if (run.Context.DryRun)
        {
            return run.Done(
                InstallOutcome.Planned,
                $"would clone {url} at {wanted} into custom_nodes/{run.Request.PackName} ({run.Decision.Reason})"
            );
        }

        var staging = run.NewStagingPath();
        var setup = run.NewSetup();
        var stage = InstallStage.Clone;
        string? commit = null;
        try
        {
            var git = run.Git(url);
            run.Report(InstallStage.Clone, $"cloning {url} ({run.Decision.Reason})");
            await git.CloneAsync(url, staging, ct);

            stage = InstallStage.Checkout;
            (commit, run.VersionNote) = await PinChoice.ChooseAsync(git, staging, run.Request, run.Policy.StrictPins, ct);
            run.Report(InstallStage.Checkout, $"checking out {commit} for {wanted}");
            await git.CheckoutAsync(staging, commit, ct);
            if (run.Request.Submodules)
            {
                run.Report(InstallStage.Checkout, "checking out submodules");
                await git.SubmodulesAsync(staging, ct);
            }

            if (!string.Equals(url, run.Request.Url.Trim(), StringComparison.Ordinal))
            {
                // Keep the catalog URL as origin, so the inventory (and ComfyUI-Manager) recognise the pack.
                await git.SetOriginAsync(staging, run.Request.Url.Trim(), ct);
            }

            stage = InstallStage.Verify;
            var presence = await setup.RunAsync(staging, run.Request, run.Report, ct);

            stage = InstallStage.Activate;
            Activate(staging, run.Target);
            return run.Done(InstallOutcome.Installed, $"installed {run.Request.PackName} at {commit} from {url}", commit, null, presence);
        }
        catch (Exception e) when (InstallRun.IsStepFailure(e))
        {
            var drift = await setup.RestoreAsync(CancellationToken.None);
            return run.Failed(InstallRun.AsStep(e, stage), drift, commit, null, FolderRemover.TryRemove(staging));
        }
        catch (OperationCanceledException)
        {
            await setup.RestoreAsync(CancellationToken.None);
            FolderRemover.TryRemove(staging);
            throw;
        }
    }

    /// <summary>Renames the prepared folder into place (one rename within custom_nodes); refuses to overwrite anything.</summary>
    public static void Activate(string staging, string target)
    {
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new InstallStepException(InstallStage.Activate, $"{target} appeared while the pack was being prepared; left as it is");
        }

        Directory.Move(staging, target);
    }
}
