using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>A pack the admin names, with the version every worker must run.</summary>
public sealed record PinnedPack(string Name, string Url, string? Version);

/// <summary>
/// The admin's pins file (<c>packs: [{name, url, version}]</c>, <c>nodes: {NodeType: pack name}</c>). Pins always
/// win: a pinned node type resolves to its pack, a pinned pack is preferred among candidates, and its version
/// replaces any version a workflow hints.
/// </summary>
public sealed record AdminPins(IReadOnlyList<PinnedPack> Packs, IReadOnlyDictionary<string, string> Nodes)
{
    public static AdminPins Empty { get; } = new([], new Dictionary<string, string>());

    /// <summary>The pack pinned for a node type, or null.</summary>
    public PinnedPack? PackFor(string nodeType) =>
        Nodes.TryGetValue(nodeType, out var name) ? Packs.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal)) : null;

    /// <summary>The pin for a repository URL (compared normalised, ignoring case), or null.</summary>
    public PinnedPack? PackAt(string url) => Packs.FirstOrDefault(p => RepoUrl.SameRepo(p.Url, url));
}
