namespace ComfyDoctor.Core.NodeResolution;

/// <summary>What <see cref="NodeResolver"/> resolves against.</summary>
public sealed record ResolveOptions(NodeCatalog Catalog)
{
    /// <summary>Core node names; by default the shipped list plus the catalog's ComfyUI entry.</summary>
    public CoreNodes? Core { get; init; }

    public AdminPins Pins { get; init; } = AdminPins.Empty;

    /// <summary>Use the workflows' <c>cnr_id</c>/<c>ver</c>/<c>aux_id</c> hints (turn off to measure the name-based rules alone).</summary>
    public bool UseHints { get; init; } = true;

    /// <summary>Node types packs are known to provide from outside the catalog: workers' <c>/object_info</c>, packs' web
    /// code (<see cref="KnownPackNodes"/>).</summary>
    public IReadOnlyList<KnownPackNodes> Known { get; init; } = [];
}
