using System.Text.RegularExpressions;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// ComfyUI-Manager's catalog, imported from files: <c>extension-node-map.json</c> (which pack lists which node names,
/// patterns, preemptions), optionally <c>custom-node-list.json</c> (registry ids, titles, install information) and
/// <c>github-stats.json</c> (stars, author account age). The map's entry for ComfyUI itself is not a pack: its names
/// are <see cref="CoreNodeNames"/>. URLs are compared normalised and ignoring case.
/// </summary>
public sealed class NodeCatalog
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, CatalogPack> byUrl = new(RepoUrl.Comparer);
    private readonly Dictionary<string, CatalogPack> byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<CatalogPack>> byRepoName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<CatalogPack>> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CatalogPack>> byNormalisedName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CatalogPack>> byPreemption = new(StringComparer.Ordinal);
    private readonly List<(CatalogPack Pack, Regex Pattern)> patterns = [];
    private readonly List<string> warnings = [];

    private NodeCatalog(List<CatalogPack> packs, HashSet<string> coreNames)
    {
        Packs = packs;
        CoreNodeNames = coreNames;
        foreach (var pack in packs)
        {
            Index(pack);
        }
    }

    public IReadOnlyList<CatalogPack> Packs { get; }

    /// <summary>Names the node map lists for ComfyUI itself (comfyanonymous/ComfyUI, Comfy-Org/ComfyUI).</summary>
    public IReadOnlySet<string> CoreNodeNames { get; }

    /// <summary>Things in the files that were skipped, such as a pattern that is not a valid .NET regular expression.</summary>
    public IReadOnlyList<string> Warnings => warnings;

    /// <summary>A catalog that lists no pack: resolution then rests on the core list, pins and the workflows' own hints.</summary>
    public static NodeCatalog Empty => Load(new MemoryStream("{}"u8.ToArray()));

    public static NodeCatalog LoadFiles(string nodeMapPath, string? nodeListPath = null, string? githubStatsPath = null)
    {
        using var map = Open(nodeMapPath);
        using var list = nodeListPath is null ? null : Open(nodeListPath);
        using var stats = githubStatsPath is null ? null : Open(githubStatsPath);
        return Load(map, list, stats, nodeMapPath, nodeListPath ?? "", githubStatsPath ?? "");
    }

    public static NodeCatalog Load(
        Stream nodeMap,
        Stream? nodeList = null,
        Stream? githubStats = null,
        string nodeMapName = "extension-node-map.json",
        string nodeListName = "custom-node-list.json",
        string githubStatsName = "github-stats.json"
    ) =>
        CatalogBuilder.Build(
            NodeMapEntry.ReadAll(nodeMapName, nodeMap),
            nodeList is null ? [] : NodeListEntry.ReadAll(nodeListName, nodeList),
            githubStats is null ? new Dictionary<string, (int?, int?)>() : GithubStats.ReadAll(githubStatsName, githubStats),
            (packs, core) => new NodeCatalog(packs, core)
        );

    public static bool IsComfyUiItself(string url) =>
        RepoUrl.OwnerAndRepo(url) is { } ownerRepo
        && RepoUrl.Normalize(url).StartsWith("https://github.com/", StringComparison.Ordinal)
        && (RepoUrl.Comparer.Equals(ownerRepo, "comfyanonymous/ComfyUI") || RepoUrl.Comparer.Equals(ownerRepo, "Comfy-Org/ComfyUI"));

    /// <summary>Case, spaces, underscores and hyphens ignored: <c>"Image Resize_KJ"</c> → <c>"imageresizekj"</c>.</summary>
    public static string NormaliseName(string name) =>
        string.Concat(name.Where(c => !char.IsWhiteSpace(c) && c is not ('_' or '-'))).ToLowerInvariant();

    public CatalogPack? FindByUrl(string url) => byUrl.GetValueOrDefault(RepoUrl.Normalize(url));

    /// <summary>A Comfy Registry id: the node list's <c>id</c>, else a pack whose repository name matches
    /// (<c>comfyui-kjnodes</c> ↔ <c>github.com/kijai/ComfyUI-KJNodes</c>), ignoring case, <c>-</c> and <c>_</c>.</summary>
    public CatalogPack? FindByCnrId(string cnrId)
    {
        var id = cnrId.Trim();
        if (byId.TryGetValue(id, out var pack))
        {
            return pack;
        }

        return byRepoName.TryGetValue(NormaliseName(id), out var packs) ? MostPopular(packs) : null;
    }

    /// <summary><c>owner/repo</c> → the pack at <c>https://github.com/owner/repo</c> (or that owner/repo on another host).</summary>
    public CatalogPack? FindByAuxId(string auxId)
    {
        var ownerRepo = auxId.Trim().Trim('/');
        return FindByUrl("https://github.com/" + ownerRepo)
            ?? Packs.FirstOrDefault(p => RepoUrl.Comparer.Equals(RepoUrl.OwnerAndRepo(p.Url), ownerRepo));
    }

    public IReadOnlyList<CatalogPack> Listing(string nodeType) => byName.GetValueOrDefault(nodeType) ?? [];

    public IReadOnlyList<CatalogPack> Preempting(string nodeType) => byPreemption.GetValueOrDefault(nodeType) ?? [];

    public IReadOnlyList<CatalogPack> ListingNormalised(string nodeType) =>
        byNormalisedName.GetValueOrDefault(NormaliseName(nodeType)) ?? [];

    /// <summary>Packs whose <c>nodename_pattern</c> matches anywhere in the name (as ComfyUI-Manager tests it).</summary>
    public IReadOnlyList<CatalogPack> MatchingPattern(string nodeType)
    {
        var found = new List<CatalogPack>();
        foreach (var (pack, pattern) in patterns)
        {
            try
            {
                if (pattern.IsMatch(nodeType))
                {
                    found.Add(pack);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological pattern says nothing about this name.
            }
        }

        return found;
    }

    private static CatalogPack MostPopular(List<CatalogPack> packs) =>
        packs.OrderByDescending(p => p.Stars ?? -1).ThenBy(p => p.ListOrder).First();

    private static FileStream Open(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeCatalogFormatException($"{path}: cannot read: {e.Message}", e);
        }
    }

    private void Index(CatalogPack pack)
    {
        var url = RepoUrl.Normalize(pack.Url);
        byUrl.TryAdd(url, pack);
        if (pack.Id is { } id)
        {
            byId.TryAdd(id, pack);
        }

        Add(byRepoName, NormaliseName(RepoUrl.RepoName(url)), pack);
        foreach (var name in pack.NodeNames)
        {
            Add(byName, name, pack);
            Add(byNormalisedName, NormaliseName(name), pack);
        }

        foreach (var name in pack.Preemptions)
        {
            Add(byPreemption, name, pack);
        }

        if (pack.NodenamePattern is { Length: > 0 } pattern)
        {
            if (PatternCompiler.TryCompile(pattern, PatternTimeout, out var regex, out var error))
            {
                patterns.Add((pack, regex));
            }
            else
            {
                warnings.Add($"{pack.Url}: nodename_pattern '{pattern}' skipped: {error}");
            }
        }
    }

    private static void Add(Dictionary<string, List<CatalogPack>> index, string key, CatalogPack pack)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        if (list.Count == 0 || !ReferenceEquals(list[^1], pack))
        {
            list.Add(pack);
        }
    }
}
