using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>The buttons' names for the repair actions of the API.</summary>
public static class RepairTitles
{
    public static string Of(string? action) => action switch
    {
        RepairScope.SyncModelsAction => "Sync Models",
        RepairScope.InstallNodesAction => "Install Missing Nodes",
        RepairScope.VerifyAndRepairAction => "Verify & Repair",
        _ => "Repair",
    };
}
