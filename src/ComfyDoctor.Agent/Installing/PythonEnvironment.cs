namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// ComfyUI's own Python, as an install uses it: snapshots of what pip has installed, requirements installed under the
/// constraints file plus the admin's pip options, <c>install.py</c>, and putting the package set back after a failure.
/// </summary>
internal sealed class PythonEnvironment(string python, InstallLog log, InstallPolicy policy)
{
    private static readonly TimeSpan ListTimeout = TimeSpan.FromMinutes(2);

    public string Python => python;

    public async Task<PipSnapshot> SnapshotAsync(InstallStage stage, CancellationToken ct)
    {
        var result = await InstallCommand.RunAsync(
            log,
            python,
            ["-m", "pip", "list", "--format=json"],
            Path.GetTempPath(),
            Environment(),
            ListTimeout,
            ct,
            quiet: true
        );
        if (result.TimedOut || result.ExitCode != 0)
        {
            throw new InstallStepException(stage, $"'{python} -m pip list' failed (exit {result.ExitCode}): {result.LastLine}");
        }

        try
        {
            return PipSnapshot.Parse(result.StdOut);
        }
        catch (FormatException e)
        {
            throw new InstallStepException(stage, $"'{python} -m pip list': {e.Message}", e);
        }
    }

    /// <summary><c>pip install -r requirements -c constraints [admin options]</c> in the pack folder.</summary>
    public async Task InstallRequirementsAsync(string packFolder, string requirements, string constraints, CancellationToken ct)
    {
        string[] args = ["-m", "pip", "install", "--no-input", "-r", requirements, "-c", constraints, .. policy.PipArgs];
        await RunAsync(InstallStage.Requirements, packFolder, policy.EffectivePipTimeout, args, ct);
    }

    /// <summary>Runs <c>install.py</c> with the same Python, in the pack folder, under the policy's timeout.</summary>
    public async Task RunInstallScriptAsync(string packFolder, string comfyUiRoot, CancellationToken ct)
    {
        var env = Environment();
        env["COMFYUI_PATH"] = comfyUiRoot;
        var result = await InstallCommand.RunAsync(log, python, ["install.py"], packFolder, env, policy.InstallScriptTimeout, ct);
        if (result.TimedOut)
        {
            throw new InstallStepException(
                InstallStage.InstallScript,
                $"install.py did not finish within {policy.InstallScriptTimeout.TotalSeconds:0} s and was stopped"
            );
        }

        if (result.ExitCode != 0)
        {
            throw new InstallStepException(InstallStage.InstallScript, $"install.py failed (exit {result.ExitCode}): {result.LastLine}");
        }
    }

    /// <summary>
    /// Puts the installed packages back as in <paramref name="before"/>: uninstalls what was added, reinstalls the
    /// earlier versions of what changed or went (with the admin's pip options, so from the same index or wheelhouse).
    /// Returns what still differs (empty when fully restored).
    /// </summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(PipSnapshot before, CancellationToken ct)
    {
        try
        {
            var changes = (await SnapshotAsync(InstallStage.Requirements, ct)).ChangesSince(before);
            if (changes.IsEmpty)
            {
                return [];
            }

            log.Add("restoring the Python environment: " + string.Join("; ", changes.Describe()));
            if (changes.Added.Count > 0)
            {
                await TryRunAsync(["-m", "pip", "uninstall", "--yes", .. changes.Added.Select(p => p.Name)], ct);
            }

            var back = changes
                .Changed.Select(c => $"{c.Name}=={c.Before}")
                .Concat(changes.Removed.Select(p => $"{p.Name}=={p.Version}"))
                .ToList();
            if (back.Count > 0)
            {
                await TryRunAsync(["-m", "pip", "install", "--no-input", "--no-deps", .. policy.PipArgs, .. back], ct);
            }

            return (await SnapshotAsync(InstallStage.Requirements, ct)).ChangesSince(before).Describe();
        }
        catch (InstallStepException e)
        {
            return [$"the Python environment could not be checked after the failure: {e.Message}"];
        }
    }

    /// <summary><c>pip install name==version … -c constraints [admin options]</c>: the result as it is, for the caller to judge
    /// by the installed metadata afterwards, never by the exit code alone.</summary>
    public Task<CommandResult> InstallExactAsync(IReadOnlyList<string> specs, string constraints, CancellationToken ct) =>
        InstallCommand.RunAsync(
            log,
            python,
            ["-m", "pip", "install", "--no-input", "-c", constraints, .. policy.PipArgs, .. specs],
            Path.GetTempPath(),
            Environment(),
            policy.EffectivePipTimeout,
            ct
        );

    /// <summary>Runs <c>python -c script args…</c> quietly (a read-only question to the interpreter).</summary>
    public Task<CommandResult> AskAsync(string script, IReadOnlyList<string> args, CancellationToken ct) =>
        InstallCommand.RunAsync(log, python, ["-c", script, .. args], Path.GetTempPath(), Environment(), ListTimeout, ct, quiet: true);

    private async Task TryRunAsync(string[] args, CancellationToken ct)
    {
        var result = await InstallCommand.RunAsync(log, python, args, Path.GetTempPath(), Environment(), policy.EffectivePipTimeout, ct);
        if (result.ExitCode != 0)
        {
            log.Add($"restore step failed (exit {result.ExitCode}); the difference is reported");
        }
    }

    private async Task RunAsync(InstallStage stage, string cwd, TimeSpan timeout, string[] args, CancellationToken ct)
    {
        var result = await InstallCommand.RunAsync(log, python, args, cwd, Environment(), timeout, ct);
        if (result.TimedOut)
        {
            throw new InstallStepException(stage, $"pip did not finish within {timeout.TotalMinutes:0} minutes");
        }

        if (result.ExitCode != 0)
        {
            throw new InstallStepException(
                stage,
                $"pip install failed (exit {result.ExitCode}): {result.LastLine}{PipSources.NotFoundHint(result, policy)}"
            );
        }
    }

    private static Dictionary<string, string?> Environment() =>
        new(StringComparer.Ordinal)
        {
            ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1",
            ["PIP_NO_INPUT"] = "1",
            ["PYTHONNOUSERSITE"] = "1",
            ["PYTHONIOENCODING"] = "utf-8",
        };
}
