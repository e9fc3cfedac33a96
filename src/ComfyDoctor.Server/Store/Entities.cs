namespace ComfyDoctor.Server.Store;

/// <summary>A registered worker. Times are Unix milliseconds (the same on SQLite and PostgreSQL).</summary>
public sealed class WorkerRow
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Tags { get; set; }
    public required string CredentialHash { get; init; }
    public long EnrolledAt { get; init; }
    public long LastSeenAt { get; set; }

    /// <summary>Where the agent's blob server listens, when it does (said at each start).</summary>
    public string? ListenUrl { get; set; }

    /// <summary>The key the server signs the agent's blob tokens with.</summary>
    public string? BlobKey { get; set; }

    /// <summary>Verify &amp; Repair right after the first scan (asked at enrollment).</summary>
    public bool AutoRepair { get; init; }

    /// <summary>The agent's build, said at each start (<see cref="Core.Protocol.BuildInfo"/>); null until an agent that reports it says
    /// hello.</summary>
    public string? AgentVersion { get; set; }

    public string? AgentCommit { get; set; }

    public string? AgentOs { get; set; }

    public string? AgentArch { get; set; }
}

/// <summary>A unit of work for one worker's agent, leased while it runs so a dead agent's job is offered again.</summary>
public sealed class JobRow
{
    public required string Id { get; init; }
    public required string WorkerId { get; init; }
    public required string Kind { get; init; }
    public required string PayloadJson { get; init; }
    public required string Status { get; set; }
    public long? LeaseUntil { get; set; }
    public int Attempts { get; set; }
    public string? ProgressJson { get; set; }
    public string? Error { get; set; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; set; }

    /// <summary>The repair (one per request, over one or more workers) this job belongs to.</summary>
    public string? RepairId { get; init; }

    /// <summary>Who asked (the audit trail's actor for the job's actions).</summary>
    public string? RequestedBy { get; init; }

    /// <summary>A repair's plan, per-action results and what the re-scan proved fixed.</summary>
    public string? ResultJson { get; set; }

    /// <summary>An admin asked to cancel: the agent's next progress post is answered 409.</summary>
    public bool CancelRequested { get; set; }
}

/// <summary>One integrity scan of one worker; <see cref="ResultsJson"/> holds the report (the <c>check --json</c> shape)
/// without its models and findings, which are rows of their own (<see cref="ScanModelRow"/>, <see cref="ScanFindingRow"/>);
/// <see cref="HealthJson"/> its lights alone (what a fleet listing reads).</summary>
public sealed class ScanRow
{
    public required string Id { get; init; }
    public required string WorkerId { get; init; }
    public required string JobId { get; init; }
    public required string Status { get; set; }
    public bool Deep { get; init; }
    public long RequestedAt { get; init; }
    public long? ScannedAt { get; set; }
    public string? ResultsJson { get; set; }

    public string? HealthJson { get; set; }

    /// <summary>ComfyUI as the report says (migration 014): what a fleet listing shows without reading the report.</summary>
    public string? ComfyUiVersion { get; set; }

    public string? ComfyUiCommit { get; set; }

    public bool? ComfyUiDirty { get; set; }
}

/// <summary>One model file of a finished scan (its <see cref="Core.Inventory.ModelFile"/> as JSON), in the inventory's order.</summary>
public sealed class ScanModelRow
{
    public required string ScanId { get; init; }
    public int Seq { get; init; }
    public required string Identity { get; init; }
    public string? Sha256 { get; init; }
    public required string Json { get; init; }
}

/// <summary>One finding of a finished scan (its <see cref="Core.Diagnosis.Finding"/> as JSON), in the report's order
/// (most severe first); category and severity as the enums' numbers, so pages and summaries filter in SQL.</summary>
public sealed class ScanFindingRow
{
    public required string ScanId { get; init; }
    public int Seq { get; init; }
    public int Category { get; init; }
    public int Severity { get; init; }
    public required string Subject { get; init; }
    public required string Json { get; init; }
}

/// <summary>A known-good model of the asset registry.</summary>
public sealed class ModelChecksumRow
{
    public required string Identity { get; init; }
    public required string Sha256 { get; set; }
    public long? Size { get; set; }
    public required string UrlsJson { get; set; }

    /// <summary>A <c>ModelKinds</c> code, or null when the registry does not say (migration 006).</summary>
    public string? Kind { get; set; }

    /// <summary>A <c>ModelFamilies</c> code, or null when the registry does not say (migration 006).</summary>
    public string? Family { get; set; }
}

/// <summary>An append-only, hash-chained audit record.</summary>
public sealed class AuditRow
{
    public long Seq { get; init; }
    public long At { get; init; }
    public required string Actor { get; init; }
    public required string Action { get; init; }
    public required string Target { get; init; }
    public required string Parameters { get; init; }
    public required string Outcome { get; init; }
    public required string PrevHash { get; init; }
    public required string Hash { get; init; }
}

public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>A registered workflow and what it needs (node types, models), derived when it was uploaded.</summary>
public sealed class WorkflowRow
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Json { get; set; }
    public required string RequirementsJson { get; set; }
    public long AddedAt { get; set; }

    /// <summary>How each node type was resolved (pack, evidence, runners-up): <see cref="Catalog.StoredResolution"/>; null before
    /// migration 008.</summary>
    public string? ResolutionJson { get; set; }
}

/// <summary>The fleet scan schedule: one row; <see cref="NextRun"/> is claimed by a conditional update, so one replica fires a
/// tick.</summary>
public sealed class ScheduleRow
{
    public required string Id { get; init; }
    public required string Cron { get; set; }
    public bool Deep { get; set; }
    public long NextRun { get; set; }
    public long? LastRun { get; set; }
}
