namespace ComfyDoctor.Server.Store;

/// <summary>A relayed blob transfer whose two ends may be on different replicas (migration 013, <see cref="Repairs.SharedRelay"/>).
/// </summary>
public sealed class RelayTransferRow
{
    public required string Id { get; init; }
    public required string FromWorkerId { get; init; }
    public required string Sha256 { get; init; }

    /// <summary><see cref="RelayStates"/>.</summary>
    public required string State { get; set; }

    /// <summary>The bytes this upload sends (from the download's offset), once it started.</summary>
    public long? Length { get; set; }

    /// <summary>The blob's whole length, once the upload started.</summary>
    public long? TotalLength { get; set; }

    /// <summary>Chunks the download has taken and sent on (the upload stays at most a window ahead of it).</summary>
    public int Consumed { get; set; }

    public string? Problem { get; set; }

    /// <summary>When the download was last seen alive (the relay opened, a chunk taken): the lease that
    /// <see cref="Repairs.RelaySweep"/> reads. Column <c>created_at</c> (migration 013's name; it was the opening time).</summary>
    public long AliveAt { get; set; }
}

/// <summary>One chunk of a relayed upload, deleted as the download takes it.</summary>
public sealed class RelayChunkRow
{
    public required string RelayId { get; init; }
    public int Seq { get; init; }
    public required byte[] Data { get; init; }
}

public static class RelayStates
{
    /// <summary>The download waits for the upload.</summary>
    public const string Waiting = "waiting";

    /// <summary>The upload writes chunks (lengths known).</summary>
    public const string Sending = "sending";

    /// <summary>Every chunk is written.</summary>
    public const string Sent = "sent";

    /// <summary>The uploading agent could not send (<see cref="RelayTransferRow.Problem"/>) or its connection broke.</summary>
    public const string Failed = "failed";
}
