using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyDoctor.Agent.Remote;

/// <summary>How an agent reaches its server and what it scans.</summary>
/// <param name="Server">The control plane's base URL; the agent only ever connects out to it.</param>
/// <param name="EnrollToken">Used once, to enroll; the credential it yields is stored in <paramref name="DataDir"/>.</param>
/// <param name="Scan">The installation to scan (its <c>CachePath</c> and <c>WorkerName</c> included).</param>
public sealed record AgentOptions(
    Uri Server,
    string? EnrollToken,
    string Name,
    IReadOnlyList<string> Tags,
    string DataDir,
    ScanOptions Scan
)
{
    /// <summary>
    /// The longest wait between reconnection attempts (and between attempts to deliver a result) of the agent's own back-off.
    /// </summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first wait after a failed connection, about; growing exponentially, with jitter, up to <see cref="MaxBackoff"/>.
    /// </summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>Retry-After</c> the agent honours (a proxy asking for a day gets this).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The least time between two progress posts of one job.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the agent says what it does (connection lost, job done); silent by default.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The clock of back-off waits, progress throttling and the hand-back limit (tests move a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>What repairs may do here.</summary>
    public RepairOptions Repair { get; init; } = RepairOptions.Default;

    /// <summary>Ask at enrollment for Verify &amp; Repair right after the first scan.</summary>
    public bool AutoRepair { get; init; }

    /// <summary>Where peers reach this agent's blob server (announced to the server); null = peers go through the relay.</summary>
    public Uri? ListenUrl { get; init; }

    /// <summary>The build this agent says it is in its hello (the server compares its version with its own).</summary>
    public Core.Protocol.BuildInfo Build { get; init; } = Core.Protocol.BuildInfo.Current;
}
