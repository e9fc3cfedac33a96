namespace ComfyDoctor.Core.NodeResolution;

/// <summary>Where knowledge of a pack's node types comes from, besides the catalog.</summary>
public enum KnownNodeSource
{
    /// <summary>A running ComfyUI reported the types in <c>/object_info</c>, loaded from the pack's folder.</summary>
    ObjectInfo,

    /// <summary>The pack's JavaScript registers the types in the browser (<c>LiteGraph.registerNodeType</c>): frontend-only
    /// (virtual) nodes such as KJNodes' <c>SetNode</c>/<c>GetNode</c>, which no Python mapping and no node map lists.</summary>
    WebCode,
}

/// <summary>
/// Node types one pack is known to provide from outside the catalog: a worker's ComfyUI <c>/object_info</c> (with the
/// <c>custom_nodes</c> folder each type came from), or the web code of an installed pack or of a pack checkout/mirror.
/// </summary>
/// <param name="Folder">The pack's folder name under <c>custom_nodes</c> (or in the mirror folder).</param>
/// <param name="Url">The pack's repository (its git remote), when known; else the catalog is asked by folder name.</param>
/// <param name="Where">Where it was seen, for the evidence: <c>gpu-01</c>,
/// <c>/srv/mirrors/ComfyUI-KJNodes/web/js/setgetnodes.js</c>.</param>
public sealed record KnownPackNodes(string Folder, string? Url, IReadOnlyList<string> NodeTypes, KnownNodeSource Source, string Where);
