namespace ComfyDoctor.Server.Store;

/// <summary>
/// A repair plan as the server made it and the admin sees it: one plan per worker (<see cref="PlansJson"/>), the request
/// it answers (actions, source, models) and, once confirmed, the repair that runs it. Never edited after it is made, so its
/// <see cref="Version"/> (the SHA-256 of <see cref="PlansJson"/>) names exactly what was shown.
/// </summary>
public sealed class RepairPlanRow
{
    public required string Id { get; init; }
    public long CreatedAt { get; init; }
    public required string CreatedBy { get; init; }

    /// <summary>The scope's action names, joined by '+' (<c>sync-models+install-nodes</c>).</summary>
    public required string Actions { get; init; }

    /// <summary>Only this source (a mirror's, a worker's or a URL host's name), when asked.</summary>
    public string? Source { get; init; }

    /// <summary>Only these model identities (a JSON array), when asked.</summary>
    public string? ModelsJson { get; init; }

    public required string PlansJson { get; init; }
    public required string Version { get; init; }

    /// <summary>The repair job whose result offered this plan (a fresh plan from its verifying scan), if any.</summary>
    public string? AfterJobId { get; init; }

    /// <summary>Set once, by the confirmation (a concurrency token: a second confirmation fails).</summary>
    public string? RepairId { get; set; }

    public long? ConfirmedAt { get; set; }
    public string? ConfirmedBy { get; set; }
}
