using System.Text.RegularExpressions;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>Joins the node map, the node list and the stats into <see cref="CatalogPack"/>s.</summary>
internal static partial class CatalogBuilder
{
    public static NodeCatalog Build(
        List<NodeMapEntry> map,
        List<NodeListEntry> list,
        Dictionary<string, (int? Stars, int? AuthorAgeDays)> stats,
        Func<List<CatalogPack>, HashSet<string>, NodeCatalog> create
    )
    {
        var listed = new Dictionary<string, NodeListEntry>(RepoUrl.Comparer);
        foreach (var entry in list)
        {
            foreach (var url in entry.Urls)
            {
                listed.TryAdd(RepoUrl.Normalize(url), entry);
            }
        }

        var core = new HashSet<string>(StringComparer.Ordinal);
        var packs = new List<CatalogPack>();
        var seen = new HashSet<string>(RepoUrl.Comparer);
        foreach (var entry in map)
        {
            var url = RepoUrl.Normalize(entry.Url);
            if (NodeCatalog.IsComfyUiItself(entry.Url))
            {
                core.UnionWith(entry.Names);
                continue;
            }

            if (!seen.Add(url))
            {
                continue;
            }

            var item = listed.GetValueOrDefault(url);
            packs.Add(Pack(entry.Url, item, entry, stats.GetValueOrDefault(url), packs.Count));
        }

        foreach (var item in list)
        {
            var url = RepoUrl.Normalize(item.Urls.First());
            if (!NodeCatalog.IsComfyUiItself(url) && item.Urls.All(u => !seen.Contains(RepoUrl.Normalize(u))) && seen.Add(url))
            {
                packs.Add(Pack(item.Urls.First(), item, null, stats.GetValueOrDefault(url), packs.Count));
            }
        }

        return create(packs, core);
    }

    private static CatalogPack Pack(string url, NodeListEntry? item, NodeMapEntry? entry, (int? Stars, int? AuthorAgeDays) stats, int order)
    {
        var title = item?.Title ?? entry?.Title ?? RepoUrl.RepoName(url);
        var fork = ForkWords().IsMatch(entry?.Title ?? "") || ForkWords().IsMatch(title) || ForkOf().IsMatch(item?.Description ?? "");
        return new CatalogPack(
            url,
            item?.Id,
            title,
            item?.Author ?? entry?.Author,
            item?.InstallType is null or "git" ? "git-clone" : item.InstallType,
            item?.Files is { Count: > 0 } files ? files : [url],
            item?.Pip ?? [],
            entry?.Names ?? [],
            entry?.Pattern,
            entry?.Preemptions ?? [],
            stats.Stars,
            stats.AuthorAgeDays,
            order,
            fork
        )
        {
            AlternateUrls = item is null ? [] : AlternateUrls(url, item),
        };
    }

    /// <summary>The node list's reference and files that name another repository than <paramref name="url"/>.</summary>
    private static List<string> AlternateUrls(string url, NodeListEntry item) =>
        item
            .Files.Append(item.Reference)
            .Where(u => IsRepository(u) && !RepoUrl.SameRepo(u, url))
            .Select(RepoUrl.Normalize)
            .Distinct(RepoUrl.Comparer)
            .ToList();

    /// <summary><c>https://host/owner/repo</c> and nothing more (not a wiki page, a tree path or a single file).</summary>
    private static bool IsRepository(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        && RepoUrl.Normalize(url).Split('/').Length == 5
        && !url.EndsWith(".py", StringComparison.OrdinalIgnoreCase)
        && !url.EndsWith(".js", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\bfork(ed)?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ForkWords();

    [GeneratedRegex(@"\b(a\s+)?fork(ed)?\s+(of|from)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ForkOf();
}
