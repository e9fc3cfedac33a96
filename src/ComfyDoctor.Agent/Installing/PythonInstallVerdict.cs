using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The judgement of an <c>install-python-packages</c> action from the installed metadata read after pip, whatever pip's
/// exit code said: each planned package at its version or not, and every other change either a declared dependency of the
/// plan (reported) or a problem (the torch family moved without the admin's allowance, or a package that is no dependency
/// of the plan). After a rollback, each package's state says whether it was put back.
/// </summary>
internal sealed class PythonInstallVerdict
{
    private PythonInstallVerdict(IReadOnlyList<PythonPackageResult> results, string? problem)
    {
        Results = results;
        Problem = problem;
    }

    public IReadOnlyList<PythonPackageResult> Results { get; }

    /// <summary>Why the action failed by its results; null when every planned package is at its version and nothing else moved
    /// but dependencies.</summary>
    public string? Problem { get; }

    public static async Task<PythonInstallVerdict> JudgeAsync(
        PythonEnvironment env,
        PlannedPython plan,
        IReadOnlyList<PlannedDistribution> planned,
        PipSnapshot before,
        CancellationToken ct
    )
    {
        PipSnapshot after;
        IReadOnlySet<string> dependencies;
        try
        {
            after = await env.SnapshotAsync(InstallStage.Verify, ct);
            dependencies = await DeclaredDependencies.ReadAsync(env, [.. planned.Select(d => d.Name)], ct);
        }
        catch (InstallStepException e)
        {
            var unread = planned.Select(d => new PythonPackageResult(
                d.Name,
                d.Before,
                d.Version,
                null,
                PythonPackageStates.Failed,
                "not read"
            ));
            return new([.. unread], $"the result could not be verified: {e.Message}");
        }

        var results = new List<PythonPackageResult>();
        var problems = new List<string>();
        foreach (var d in planned)
        {
            var now = after.VersionOf(d.Name);
            var there = PythonVersions.Same(now, d.Version);
            var state =
                !there ? PythonPackageStates.Failed
                : d.NeedsChange ? PythonPackageStates.Installed
                : PythonPackageStates.Unchanged;
            var message = there ? null : $"planned {d.Version}, the installed metadata says {now ?? "not installed"}";
            results.Add(new PythonPackageResult(d.Name, d.Before, d.Version, now, state, message));
            if (message is not null)
            {
                problems.Add($"{d.Name}: {message}");
            }
        }

        var plannedNames = planned.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, was, now) in Moves(after.ChangesSince(before)).Where(m => !plannedNames.Contains(m.Name)))
        {
            var torch = TorchFamily.Contains(name, now ?? was) && !plan.AllowTorchFamily;
            var message =
                torch ? "a torch-family package moved, and the admin did not allow it"
                : dependencies.Contains(name) ? null
                : "moved, and is not a declared dependency of the planned packages";
            results.Add(new PythonPackageResult(name, was, null, now, PythonPackageStates.Dependency, message));
            if (message is not null)
            {
                problems.Add($"{name} {was ?? "absent"} → {now ?? "absent"}: {message}");
            }
        }

        return new(results, problems.Count == 0 ? null : string.Join("; ", problems));
    }

    /// <summary>One line for a successful action: what moved, what was already there, which dependencies followed.</summary>
    public string Summary()
    {
        var installed = Results
            .Where(r => r.State == PythonPackageStates.Installed)
            .Select(r => $"{r.Name} {r.After} (was {r.Before ?? "absent"})");
        var unchanged = Results.Count(r => r.State == PythonPackageStates.Unchanged);
        var dependencies = Results
            .Where(r => r.State == PythonPackageStates.Dependency)
            .Select(r => $"{r.Name} {r.Before ?? "absent"} → {r.After ?? "absent"}");
        var text = "installed and verified: " + string.Join(", ", installed);
        text += unchanged > 0 ? $"; {unchanged} already at their planned versions" : "";
        return text + (dependencies.Any() ? "; dependencies that moved with them: " + string.Join(", ", dependencies) : "");
    }

    /// <summary>The results once the environment was put back (or not): <paramref name="final"/> is what is installed now (null
    /// when it could not be read).</summary>
    public IReadOnlyList<PythonPackageResult> AfterRollback(PipSnapshot? final, bool complete) =>
        [
            .. Results.Select(r =>
            {
                if (final is null)
                {
                    return r with
                    {
                        State = complete ? r.State : PythonPackageStates.RollbackFailed,
                        Message = "the installed packages could not be read after the rollback",
                    };
                }

                var now = final.VersionOf(r.Name);
                if (!Same(now, r.Before))
                {
                    return r with
                    {
                        After = now,
                        State = PythonPackageStates.RollbackFailed,
                        Message = $"is {now ?? "absent"} now, was {r.Before ?? "absent"} before: the rollback could not put it back",
                    };
                }

                var moved = !Same(r.After, r.Before);
                return r with
                {
                    After = now,
                    State = moved ? PythonPackageStates.RolledBack : r.State,
                    Message = moved ? $"was {r.After ?? "absent"} after pip, put back to {r.Before ?? "absent"}" : r.Message,
                };
            }),
        ];

    private static bool Same(string? a, string? b) => PythonVersions.Same(a, b);

    private static IEnumerable<(string Name, string? Was, string? Now)> Moves(PipChanges changes) =>
        changes
            .Added.Select(p => (PythonPackageNames.Normalize(p.Name), (string?)null, (string?)p.Version))
            .Concat(changes.Removed.Select(p => (PythonPackageNames.Normalize(p.Name), (string?)p.Version, (string?)null)))
            .Concat(changes.Changed.Select(c => (PythonPackageNames.Normalize(c.Name), (string?)c.Before, (string?)c.After)));
}
