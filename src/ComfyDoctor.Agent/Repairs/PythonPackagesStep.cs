using System.Diagnostics;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>A planned <c>install-python-packages</c> action through <see cref="PythonPackagesInstaller"/> in ComfyUI's interpreter,
/// under this agent's own install policy (pip options, deny list, direct references); per-package results in the action's result.</summary>
internal static class PythonPackagesStep
{
    public static async Task<ActionResult> RunAsync(PlannedAction action, string? python, InstallPolicy policy, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        ActionResult Result(string outcome, string message, IReadOnlyList<PythonPackageResult> packages, string? log) =>
            new(
                action.Kind,
                action.Subject,
                outcome,
                python,
                null,
                null,
                message,
                log is { Length: > 0 } && outcome != ActionStates.Done ? [log] : [],
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds
            )
            {
                Packages = packages,
            };

        if (action.Python is not { } plan)
        {
            return Result(ActionStates.Failed, "the action carries no packages; nothing was done", [], null);
        }

        if (python is null)
        {
            return Result(
                ActionStates.Failed,
                "ComfyUI's Python is not known on this worker (give --python, or run where its interpreter is found); nothing was done",
                [],
                null
            );
        }

        try
        {
            var result = await new PythonPackagesInstaller(policy).RunAsync(plan, python, ct);
            return Result(result.Succeeded ? ActionStates.Done : ActionStates.Failed, result.Message, result.Packages, result.LogTail);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            return Result(ActionStates.Cancelled, e.Message, [], null);
        }
    }
}
