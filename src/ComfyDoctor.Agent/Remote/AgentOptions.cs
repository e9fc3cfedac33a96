using ComfyDoctor.Agent.Scanning;

namespace ComfyDoctor.Agent.Remote;

/// <summary>How an agent reaches its server and what it scans.</summary>
/// <param name="Server">The control plane's base URL; the agent only ever connects out to it.</param>
/// <param name="EnrollToken">Used once, to enroll; the credential it yields is stored in <paramref name="DataDir"/>.</param>
/// <param name="Scan">The installation to scan (its <c>CachePath</c> and <c>WorkerName</c> included).</param>
public sealed record AgentOptions(Uri Server, string? EnrollToken, string Name, IReadOnlyList<string> Tags, string DataDir, ScanOptions Scan)
{
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
