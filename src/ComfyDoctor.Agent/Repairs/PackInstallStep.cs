using System.Diagnostics;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>One planned node pack through <see cref="NodePackInstaller"/>, judged by this agent's own source policy.</summary>
internal sealed class PackInstallStep(HttpClient http, RepairOptions options, string comfyRoot, string? python)
{
    private readonly NodePackInstaller _installer = new(
        options.Install,
        null,
        options.Registry is null ? null : new RegistryClient(http, options.Registry)
    );

    public async Task<ActionResult> RunAsync(PlannedAction action, WorkerInventory inventory, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var pack = action.Pack!;
        var before = inventory.NodePacks.FirstOrDefault(p => p.Name == pack.PackName)?.Git?.Commit;
        var request = new PackInstallRequest(
            pack.PackName,
            pack.Url,
            pack.Version,
            pack.NodeTypes,
            Submodules: false,
            RegistryId: pack.RegistryId
        )
        {
            OtherVersions = pack.OtherVersions,
        };
        var results = await _installer.InstallAllAsync([request], new InstallContext(comfyRoot, python), null, ct);
        var result = results[0];
        var outcome = result.Succeeded ? ActionStates.Done : ActionStates.Failed;
        var message = result.Outcome switch
        {
            InstallOutcome.SkippedByPolicy => $"refused by this agent's source policy: {result.Message}",
            _ => result.Message,
        };
        return new ActionResult(
            action.Kind,
            action.Subject,
            outcome,
            pack.Url,
            result.PreviousCommit ?? before,
            result.Commit ?? before,
            message,
            result.LogTail is null || result.Succeeded ? [] : [result.LogTail],
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds
        )
        {
            NodeTypes = result.NodeTypes,
        };
    }
}
