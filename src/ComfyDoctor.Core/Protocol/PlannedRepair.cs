using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// A repair the admin confirmed (<see cref="AgentProtocol.PlannedRepairJob"/>): the server's stored plan for this worker,
/// carried whole. The agent scans (deep for Verify &amp; Repair), checks each action's precondition
/// (<see cref="Preconditions"/>), runs exactly the actions whose world is as planned — in plan order, no others — and
/// reports each one; an action whose subject moved is <see cref="ActionStates.Changed"/>, never re-planned.
/// </summary>
/// <param name="PlanId">The stored plan (<c>GET /admin/repair-plans/{id}</c>).</param>
/// <param name="PlanVersion">The SHA-256 of the stored plan's content, as the admin confirmed it.</param>
/// <param name="DeepScanFirst">Re-read every model file before checking preconditions (Verify &amp; Repair).</param>
/// <param name="Plan">This worker's actions, each with <see cref="PlannedAction.Before"/>.</param>
/// <param name="DiskMarginBytes">Space a download must leave free on its volume.</param>
public sealed record PlannedRepairPayload(
    string RepairId,
    string PlanId,
    string PlanVersion,
    bool DeepScanFirst,
    RepairPlan Plan,
    long DiskMarginBytes,
    IReadOnlyList<PeerEndpoint> PeerEndpoints
);
