using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// The version to install for a pack in one workflow: the admin pin's; else the <c>ver</c> of the node whose hint named
/// the pack; else the <c>ver</c> most nodes of the workflow give for that pack (first seen on a tie).
/// </summary>
internal sealed class PackVersions(AdminPins pins, IEnumerable<HintMatch> hints)
{
    private readonly Dictionary<string, string> byPack = hints
        .Where(h => h.Version is { Length: > 0 })
        .GroupBy(h => RepoUrl.Normalize(h.Pack.Url), RepoUrl.Comparer)
        .ToDictionary(
            g => g.Key,
            g => g.GroupBy(h => h.Version!, StringComparer.Ordinal).OrderByDescending(v => v.Count()).First().Key,
            RepoUrl.Comparer
        );

    public string? For(string packUrl, HintMatch? ownHint)
    {
        if (pins.PackAt(packUrl)?.Version is { } pinned)
        {
            return pinned;
        }

        if (ownHint is { Version: { Length: > 0 } own } && RepoUrl.SameRepo(ownHint.Pack.Url, packUrl))
        {
            return own;
        }

        return byPack.GetValueOrDefault(RepoUrl.Normalize(packUrl));
    }
}
