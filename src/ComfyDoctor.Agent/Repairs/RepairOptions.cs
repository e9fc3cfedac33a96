using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>What this agent allows and how hard it may push when it repairs its worker. The agent, not the server,
/// has the last word on what it installs: a pack is installed only if <see cref="Install"/> allows its source.</summary>
/// <param name="Install">The node-pack source policy (allowed URL prefixes, git mirrors, pip options).</param>
/// <param name="Registry">A Comfy-Registry-compatible API for packs with a registry id; null = git only.</param>
/// <param name="Headers">Request headers for gated model hosts.</param>
/// <param name="MaxTransfers">Model transfers at once on this worker.</param>
/// <param name="MaxTransfersPerSource">Transfers at once from one source (a host, a mirror, a peer).</param>
/// <param name="BytesPerSecond">Bandwidth limit per transfer; null = none.</param>
/// <param name="QuarantineDays">How long replaced model files are kept under the ComfyUI folder's <c>.comfydoctor/quarantine</c>.</param>
public sealed record RepairOptions(
    InstallPolicy Install,
    RegistrySource? Registry,
    SourceHeaders Headers,
    int MaxTransfers = 2,
    int MaxTransfersPerSource = 2,
    long? BytesPerSecond = null,
    int QuarantineDays = 14
)
{
    /// <summary>No node-pack source allowed until the admin names some; model repairs work with any verified source.</summary>
    public static RepairOptions Default { get; } = new(InstallPolicy.CatalogOnly([]), null, SourceHeaders.None);

    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a repair waits for another writer of the installation (<see cref="InstallationLock"/>) before it fails.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromMinutes(10);
}
