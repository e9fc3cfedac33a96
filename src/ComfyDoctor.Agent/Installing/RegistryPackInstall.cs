using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// A pack from a Comfy-Registry-compatible source: resolve the version's <c>downloadUrl</c>, stream the zip to a temp
/// file, extract it confined into a staging folder (with ComfyUI-Manager's <c>.tracking</c> list), then the same
/// verify / Python / rename steps as a git install. An existing folder at the wanted version is left as it is; one at
/// another version is replaced only once the new one is ready, by two renames, and put back if the second fails.
/// </summary>
internal static class RegistryPackInstall
{
    public static async Task<PackInstallResult> RunAsync(InstallRun run, RegistryClient registry, CancellationToken ct)
    {
        var id = run.Request.RegistryId!;
        var version = VersionResolver.IsDefaultHead(run.Request.Version) ? null : run.Request.Version!.Trim().TrimStart('v', 'V');
        var existing = Directory.Exists(run.Target) ? InstalledVersion(run.Target) : null;
        if (Directory.Exists(run.Target) && (version is null || string.Equals(existing, version, StringComparison.Ordinal)))
        {
            return run.Done(
                InstallOutcome.AlreadyPresent,
                $"already installed{(existing is null ? "" : " at " + existing)}",
                presence: run.NewSetup().Verify(run.Target, run.Request)
            );
        }

        if (Directory.Exists(Path.Combine(run.Target, ".git")))
        {
            return run.Failed(
                new InstallStepException(
                    InstallStage.Download,
                    $"custom_nodes/{run.Request.PackName} is a git checkout; replacing it with a registry zip is refused"
                ),
                []
            );
        }

        var what = $"{id}@{version ?? "latest"} from {registry.Source.Name}";
        if (run.Context.DryRun)
        {
            return run.Done(
                InstallOutcome.Planned,
                existing is null
                    ? $"would download {what} into custom_nodes/{run.Request.PackName}"
                    : $"would replace custom_nodes/{run.Request.PackName} ({existing}) with {what}"
            );
        }

        var staging = run.NewStagingPath();
        var zip = Path.Combine(Path.GetTempPath(), $"comfydoctor-{id}-{Guid.NewGuid().ToString("N")[..8]}.zip");
        var setup = run.NewSetup();
        var stage = InstallStage.Download;
        try
        {
            run.Report(InstallStage.Download, $"asking {registry.Source.Name} for {id}@{version ?? "latest"}");
            var pack = await registry.ResolveAsync(id, version, ct);
            run.Report(InstallStage.Download, $"downloading {Redaction.WithoutQuery(pack.DownloadUrl)}");
            await registry.DownloadAsync(pack.DownloadUrl, zip, ct);
            Directory.CreateDirectory(staging);
            var entries = await SafeZipExtractor.ExtractAsync(zip, staging, ct);
            run.Log.Add($"extracted {entries.Count} entries");

            stage = InstallStage.Verify;
            var presence = await setup.RunAsync(staging, run.Request, run.Report, ct);

            stage = InstallStage.Activate;
            if (existing is null && !Directory.Exists(run.Target))
            {
                GitPackInstall.Activate(staging, run.Target);
                return run.Done(InstallOutcome.Installed, $"installed {what}", presence: presence);
            }

            Swap(run, staging);
            return run.Done(InstallOutcome.Updated, $"replaced {existing ?? "the previous version"} with {what}", presence: presence);
        }
        catch (Exception e) when (InstallRun.IsStepFailure(e))
        {
            var drift = await setup.RestoreAsync(CancellationToken.None);
            return run.Failed(InstallRun.AsStep(e, stage), drift, null, null, FolderRemover.TryRemove(staging));
        }
        catch (OperationCanceledException)
        {
            await setup.RestoreAsync(CancellationToken.None);
            FolderRemover.TryRemove(staging);
            throw;
        }
        finally
        {
            File.Delete(zip);
        }
    }

    /// <summary>The <c>[project] version</c> of an installed pack, or null.</summary>
    private static string? InstalledVersion(string folder)
    {
        var pyproject = Path.Combine(folder, "pyproject.toml");
        return PyProject.ReadFile(pyproject).Version?.Trim();
    }

    private static void Swap(InstallRun run, string staging)
    {
        var aside = Path.Combine(
            run.Context.CustomNodes,
            $"{InstallRun.StagingPrefix}previous-{run.Request.PackName}-{Guid.NewGuid().ToString("N")[..8]}.disabled"
        );
        Directory.Move(run.Target, aside);
        try
        {
            Directory.Move(staging, run.Target);
        }
        catch (IOException)
        {
            Directory.Move(aside, run.Target);
            throw;
        }

        if (FolderRemover.TryRemove(aside) is { } problem)
        {
            run.Log.Add(problem);
        }
    }
}
