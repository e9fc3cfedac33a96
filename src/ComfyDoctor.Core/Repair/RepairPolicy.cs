namespace ComfyDoctor.Core.Repair;

/// <summary>How a plan is made.</summary>
/// <param name="Scope">Which kinds of action are wanted.</param>
/// <param name="Mirrors">Configured model mirrors, tried after the registry's own URLs.</param>
/// <param name="Peers">Other workers and the hashes they verified, tried last.</param>
/// <param name="From">Only this source (a mirror's name, a worker's name, a URL's host); null = all, in order.</param>
/// <param name="Models">Only these model identities; null = every fixable one.</param>
/// <param name="DiskMarginBytes">Space left free on a volume after its planned downloads.</param>
public sealed record RepairPolicy(
    RepairScope Scope,
    IReadOnlyList<ModelMirror> Mirrors,
    IReadOnlyList<PeerHoldings> Peers,
    string? From = null,
    IReadOnlySet<string>? Models = null,
    long DiskMarginBytes = RepairPolicy.DefaultDiskMargin
)
{
    public const long DefaultDiskMargin = 64L << 20;
}
