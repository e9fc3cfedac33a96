using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Installing;

/// <summary>What an <c>install-python-packages</c> action did: each package before and after, in words, and the pip log's tail.</summary>
public sealed record PythonInstallResult(bool Succeeded, string Message, IReadOnlyList<PythonPackageResult> Packages, string LogTail);

/// <summary>
/// Moves distributions of ComfyUI's interpreter to a plan's exact versions (issue 19.4): the plan checked
/// (<see cref="PythonPlanCheck"/>), the installed set read (<c>pip list</c>), <c>pip install name==version …</c> under a
/// constraints file that pins every protected and torch-family package the plan does not change (and excludes the
/// denied releases), with the admin's pip options — then judged only by the installed metadata read again: every planned
/// package at its version, and nothing else moved but the planned packages' declared dependencies
/// (<see cref="DeclaredDependencies"/>). Any failure — pip's or the verification's — puts the environment back as it was
/// (<see cref="PythonEnvironment.RestoreAsync"/>) and says what, if anything, could not be put back.
/// </summary>
public sealed class PythonPackagesInstaller(InstallPolicy policy)
{
    public async Task<PythonInstallResult> RunAsync(PlannedPython plan, string python, CancellationToken ct)
    {
        var log = new InstallLog();
        var env = new PythonEnvironment(python, log, policy);
        PipSnapshot before;
        try
        {
            before = await env.SnapshotAsync(InstallStage.Requirements, ct);
        }
        catch (InstallStepException e)
        {
            return new(false, $"the installed packages could not be read, nothing was changed: {e.Message}", [], log.Tail());
        }

        var planned = PythonPlanCheck.Judge(plan, before, policy);
        if (planned.Any(d => d.Refusal is not null))
        {
            var refused = planned.Where(d => d.Refusal is not null).Select(d => d.Refusal!);
            return new(
                false,
                "refused, nothing was changed: " + string.Join("; ", refused),
                [.. planned.Select(PythonPlanCheck.NotAttempted)],
                ""
            );
        }

        var todo = planned.Where(d => d.NeedsChange).ToList();
        if (todo.Count == 0)
        {
            return new(
                true,
                $"all {planned.Count} packages already at their planned versions",
                [.. planned.Select(PythonPlanCheck.NotAttempted)],
                ""
            );
        }

        try
        {
            return await InstallAsync(env, log, plan, planned, todo, before, ct);
        }
        catch (OperationCanceledException)
        {
            var drift = await env.RestoreAsync(before, CancellationToken.None);
            throw new OperationCanceledException(
                "cancelled; the Python environment was "
                    + (drift.Count == 0 ? "put back as before" : "not fully put back: " + string.Join("; ", drift)),
                ct
            );
        }
    }

    private async Task<PythonInstallResult> InstallAsync(
        PythonEnvironment env,
        InstallLog log,
        PlannedPython plan,
        IReadOnlyList<PlannedDistribution> planned,
        IReadOnlyList<PlannedDistribution> todo,
        PipSnapshot before,
        CancellationToken ct
    )
    {
        var constraints = ConstraintsFile.Write(
            Path.GetTempPath(),
            ConstraintsFile.Lines(Pins(before, todo, plan.AllowTorchFamily), policy.DeniedRequirements)
        );
        string? pipProblem;
        try
        {
            log.Add("constraints: " + string.Join(", ", File.ReadAllLines(constraints)));
            var pip = await env.InstallExactAsync([.. todo.Select(d => d.Spec!)], constraints, ct);
            pipProblem =
                pip.TimedOut ? $"pip did not finish within {policy.EffectivePipTimeout.TotalMinutes:0} minutes"
                : pip.ExitCode != 0 ? $"pip install failed (exit {pip.ExitCode}): {pip.LastLine}{PipSources.NotFoundHint(pip, policy)}"
                : null;
        }
        finally
        {
            File.Delete(constraints);
        }

        var verdict = await PythonInstallVerdict.JudgeAsync(env, plan, planned, before, ct);
        var problem = string.Join("; ", new[] { pipProblem, verdict.Problem }.OfType<string>());
        if (problem.Length == 0)
        {
            return new(true, verdict.Summary(), verdict.Results, log.Tail());
        }

        log.Add("failed: " + problem + "; putting the Python environment back");
        var drift = await env.RestoreAsync(before, CancellationToken.None);
        var final = await TrySnapshotAsync(env);
        var rollback =
            drift.Count == 0
                ? "rolled back: every package is as it was before"
                : $"ROLLBACK INCOMPLETE, the environment differs from before: {string.Join("; ", drift)}";
        return new(false, $"{problem}; {rollback}", verdict.AfterRollback(final, drift.Count == 0), log.Tail());
    }

    /// <summary>Protected and torch-family packages the plan does not change stay at their installed versions (the torch family is
    /// left free when the admin allowed changing it and some of it is planned, so its CUDA wheels can follow).</summary>
    private static IEnumerable<PipPackage> Pins(PipSnapshot before, IReadOnlyList<PlannedDistribution> todo, bool allowTorch)
    {
        var changing = todo.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var torchMoves = allowTorch && todo.Any(d => TorchFamily.Contains(d.Name, d.Version));
        return before
            .Packages.Where(p => !changing.Contains(p.Name))
            .Where(p =>
                InstallPolicy.ProtectedPackages.Contains(p.Name, StringComparer.Ordinal)
                    ? !(torchMoves && TorchFamily.Contains(p.Name, p.Version))
                    : TorchFamily.Contains(p.Name, p.Version) && !torchMoves
            )
            .OrderBy(p => p.Name, StringComparer.Ordinal);
    }

    private static async Task<PipSnapshot?> TrySnapshotAsync(PythonEnvironment env)
    {
        try
        {
            return await env.SnapshotAsync(InstallStage.Requirements, CancellationToken.None);
        }
        catch (InstallStepException)
        {
            return null;
        }
    }
}
