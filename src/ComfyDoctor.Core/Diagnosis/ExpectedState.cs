using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>What a worker should hold: the registry's models, the models and node packs its workflows need.</summary>
public sealed record ExpectedState(
    ModelRegistry Registry,
    IReadOnlyList<RequiredModel> RequiredModels,
    IReadOnlyList<RequiredNodePack> RequiredNodePacks,
    IReadOnlyList<UnresolvedNode> UnresolvedNodes,
    HealthPolicy Policy
)
{
    public static ExpectedState FromRegistry(ModelRegistry registry) => new(registry, [], [], [], HealthPolicy.Default);

    /// <summary>The snapshots that apply to this worker, merged with the workflows' needs (issue 19.2); null when none does.</summary>
    public Snapshots.SnapshotExpectation? Snapshot { get; init; }
}

/// <summary>A model a workflow references (<c>ckpt_name</c>, <c>properties.models[]</c>…).</summary>
public sealed record RequiredModel(string Identity, string? Url, string? Sha256, IReadOnlyList<string> RequiredBy);

/// <summary>A node pack chosen for the custom node types workflows need.</summary>
/// <param name="Url">Normalised repository URL.</param>
/// <param name="Version">Pinned commit hash or semver, when the workflow or an admin pin says.</param>
/// <param name="NodeTypes">The node types this pack was chosen for.</param>
/// <param name="Reason">Why this pack (evidence and the choice among candidates).</param>
public sealed record RequiredNodePack(
    string Url,
    string? Id,
    string? Version,
    IReadOnlyList<string> NodeTypes,
    IReadOnlyList<string> RequiredBy,
    string Reason
)
{
    /// <summary>Further pins for this pack (nodes saved at different times), after <see cref="Version"/>; any one met is
    /// honoured (issue 15.1).</summary>
    public IReadOnlyList<string> OtherVersions { get; init; } = [];

    /// <summary><see cref="Version"/> then <see cref="OtherVersions"/>; empty when nothing is pinned.</summary>
    public IEnumerable<string> Pins => Version is null ? OtherVersions : OtherVersions.Prepend(Version);

    /// <summary>Other URLs the catalog lists for the same pack (a repository that moved or was renamed): a checkout whose
    /// remote is one of them is this pack.</summary>
    public IReadOnlyList<string> AlternateUrls { get; init; } = [];
}

/// <summary>A node type no catalog, pin or hint could map to a pack.</summary>
public sealed record UnresolvedNode(string NodeType, IReadOnlyList<string> RequiredBy);

/// <summary>Thresholds that turn facts into lights.</summary>
/// <param name="DiskYellowFreeBytes">Below this much free space a model volume is yellow…</param>
/// <param name="DiskRedFreeBytes">…and below this it is red.</param>
/// <param name="DiskYellowFreeFraction">Also yellow below this fraction free, red below half of it.</param>
public sealed record HealthPolicy(long DiskYellowFreeBytes, long DiskRedFreeBytes, double DiskYellowFreeFraction)
{
    private const double GiB = 1L << 30;

    /// <summary>The one place the defaults live: <c>check</c>'s and <c>server</c>'s <c>--disk-yellow-gib</c> /
    /// <c>--disk-red-gib</c> show these.</summary>
    public static HealthPolicy Default { get; } = new(50L << 30, 10L << 30, 0.10);

    public double DiskYellowFreeGiB => DiskYellowFreeBytes / GiB;

    public double DiskRedFreeGiB => DiskRedFreeBytes / GiB;

    /// <summary>These thresholds with the free-space limits given in GiB, as the command line takes them.</summary>
    public HealthPolicy WithDiskGiB(double yellow, double red) =>
        this with
        {
            DiskYellowFreeBytes = (long)(yellow * GiB),
            DiskRedFreeBytes = (long)(red * GiB),
        };
}
