using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Core.Protocol;

/// <summary>The wire records of the agent API (<c>/agent/v1</c>), shared by the server and the agent.</summary>
public static class AgentProtocol
{
    public const string Prefix = "/agent/v1";
    public const string ScanJob = "scan";

    /// <summary>The jobs table's kind of a repair job; on the wire it is <see cref="PlannedRepairJob"/>.</summary>
    public const string RepairJob = "repair";

    /// <summary>
    /// A repair carrying its confirmed plan (<see cref="PlannedRepairPayload"/>). A new kind on the wire, so an agent that
    /// predates planned repairs refuses it as a kind it does not know and changes nothing — it never plans on its own.
    /// </summary>
    public const string PlannedRepairJob = "planned-repair";
    public const string UploadBlobJob = "upload-blob";

    /// <summary>The query an agent busy with a job polls with: only blob uploads may run beside it.</summary>
    public const string KindsQuery = "kinds";
}

/// <summary><c>POST /agent/v1/enroll</c>: the one use of the enroll token; the answer's credential is used from then on.</summary>
public sealed record EnrollRequest(string Name, IReadOnlyList<string> Tags, string EnrollToken, bool AutoRepair = false);

public sealed record EnrollResponse(string WorkerId, string Credential);

/// <summary><c>POST /agent/v1/hello</c> at start: where this agent serves verified blobs directly (null = it does not), and
/// which build it is (<see cref="BuildInfo"/>: version, commit, OS, architecture; null from agents older than 0.1.0).</summary>
public sealed record AgentHello(string? ListenUrl, string? Version = null, string? Commit = null, string? Os = null, string? Arch = null);

/// <summary>The answer: the key that signs tokens for this agent's blob server.</summary>
public sealed record AgentWelcome(string BlobKey)
{
    /// <summary>The optional protocol features this server accepts (<see cref="ServerFeatures"/>); empty from older servers.</summary>
    public IReadOnlyList<string> Accepts { get; init; } = [];
}

/// <summary>A job handed to an agent by <c>GET /agent/v1/jobs/next</c>: one payload, per <see cref="Kind"/>.</summary>
public sealed record AgentJob(string Id, string Kind, ScanJobPayload? Scan, BlobUploadPayload? Upload = null)
{
    public PlannedRepairPayload? PlannedRepair { get; init; }
}

public sealed record ScanJobPayload(string ScanId, bool Deep);

/// <summary>A worker and the registry hashes its latest scan holds.</summary>
public sealed record PeerHoldingsWire(string Worker, IReadOnlyList<string> Sha256s);

/// <summary>How to reach a peer's verified blobs: directly when it listens (with a token its server signed), else relayed.</summary>
public sealed record PeerEndpoint(string Worker, string? DirectUrl, string? Token);

/// <summary>A peer asks this agent for a blob through the server: stream it to <c>POST /agent/v1/relay/{RelayId}</c>.</summary>
public sealed record BlobUploadPayload(string RelayId, string Sha256, long Offset);

/// <summary><c>POST /agent/v1/jobs/{id}/progress</c>; a repair also reports each action. The answer 409 means: cancel.</summary>
public sealed record JobProgress(string Message, int FilesDone, int FilesTotal, long BytesDone, long BytesTotal)
{
    public IReadOnlyList<ActionProgress>? Actions { get; init; }
}

/// <summary>One action of a running repair.</summary>
/// <param name="State">One of <see cref="ActionStates"/>.</param>
public sealed record ActionProgress(
    string Kind,
    string Subject,
    string State,
    string? Source,
    long BytesDone,
    long? BytesTotal,
    double BytesPerSecond,
    string Message
);

public static class ActionStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Not done: its subject (the file's hash, the pack's commit) or its volume's free space moved since it was planned.</summary>
    public const string Changed = "changed";

    /// <summary>Done, then undone because another action of its unit (<see cref="Repair.RepairUnits"/>) failed: its subject is as
    /// before the repair.</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Not attempted: another action of its unit failed, was refused or changed since planned first; nothing was done.</summary>
    public const string Skipped = "skipped";
}

/// <summary><c>POST /agent/v1/jobs/{id}/result</c>: the inventory (after a repair: the re-scan), or why the job failed.</summary>
public sealed record JobResult(WorkerInventory? Inventory, string? Error)
{
    public RepairOutcome? Repair { get; init; }

    /// <summary>When set, <see cref="Inventory"/>'s models are empty and this change against an earlier stored result
    /// stands for them (issue 20.4); only sent to a server that accepts <see cref="ServerFeatures.InventoryDelta"/>.</summary>
    public InventoryDelta? ModelsDelta { get; init; }
}

/// <summary>What a repair did: the confirmed plan it ran, and each action's result, in plan order.</summary>
public sealed record RepairOutcome(RepairPlan Plan, IReadOnlyList<ActionResult> Actions)
{
    /// <summary>The stored plan it ran (null from agents that planned themselves).</summary>
    public string? PlanId { get; init; }
}

/// <summary>One action's result, as the audit trail records it.</summary>
/// <param name="Outcome">One of <see cref="ActionStates"/>: done, failed, changed (since planned), cancelled, or — in a unit —
/// rolled-back or skipped.</param>
/// <param name="Before">The hash or commit before (null when there was nothing).</param>
/// <param name="After">The hash or commit after (null when nothing changed).</param>
/// <param name="Attempts">Each failed source, in order, with why.</param>
public sealed record ActionResult(
    string Kind,
    string Subject,
    string Outcome,
    string? Source,
    string? Before,
    string? After,
    string Message,
    IReadOnlyList<string> Attempts,
    long DurationMs
)
{
    /// <summary>For a node pack that needs ComfyUI restarted before its node types load.</summary>
    public bool RestartRequired { get; init; }

    /// <summary>For a node pack: each node type it was installed for, and whether it is confirmed (issue 15 §6).</summary>
    public IReadOnlyList<Nodes.NodeTypeResult> NodeTypes { get; init; } = [];

    /// <summary>For <see cref="RepairActionKinds.InstallPythonPackages"/>: each planned package, and each dependency that moved with
    /// them, before and after (issue 19.4).</summary>
    public IReadOnlyList<PythonPackageResult> Packages { get; init; } = [];
}
