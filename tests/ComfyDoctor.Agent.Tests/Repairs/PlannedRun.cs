using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Tests.Repairs;

/// <summary>A confirmed plan through the agent's <see cref="RepairRunner"/>, as a repair job runs it: plain sources, progress
/// dropped, never cancelled.</summary>
internal static class PlannedRun
{
    public static async Task<JobResult> RunAsync(
        RepairOptions options,
        ScanOptions scan,
        IReadOnlyList<PlannedAction> actions,
        CancellationToken cancel = default
    )
    {
        var payload = new PlannedRepairPayload("r1", "p1", "v1", false, new RepairPlan(actions, []), 0, []);
        using var http = new HttpClient();
        return await new RepairRunner(http, options, scan).RunAsync(
            payload,
            SourceLocator.Plain(SourceHeaders.None),
            new Progress<JobProgress>(),
            _ => { },
            cancel,
            CancellationToken.None
        );
    }
}
