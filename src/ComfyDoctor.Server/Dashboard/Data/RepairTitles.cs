using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>The buttons' names for the repair actions of the API.</summary>
public static class RepairTitles
{
    /// <summary>The repairs a worker page and the repairs page offer as buttons (quarantine names its files, from the models
    /// table).</summary>
    public static IReadOnlyList<string> Buttons { get; } =
    [RepairScope.SyncModelsAction, RepairScope.InstallNodesAction, RepairScope.MatchSnapshotAction, RepairScope.VerifyAndRepairAction];

    public static string Of(string? action) =>
        action switch
        {
            RepairScope.SyncModelsAction => "Sync Models",
            RepairScope.InstallNodesAction => "Install Missing Nodes",
            RepairScope.VerifyAndRepairAction => "Verify & Repair",
            RepairScope.QuarantineModelsAction => "Quarantine",
            RepairScope.MatchSnapshotAction => "Match Snapshot",
            _ => "Repair",
        };
}
