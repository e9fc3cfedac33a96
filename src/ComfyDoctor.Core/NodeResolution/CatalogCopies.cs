using System.Runtime.CompilerServices;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// How much of a pack repeats other packs' nodes: the share of its listed names that a more original pack also lists
/// (one that is not a self-declared fork and has more GitHub stars, or any non-fork when this pack calls itself a fork).
/// A bundle or repackager (aining2022/ComfyUI_Swwan copies KJNodes, LayerStyle, rgthree, …) scores high; the originals
/// it copies score low, because their copier has fewer stars. A pack is a bundle when more than half of its names, and
/// at least <see cref="MinCopied"/>, are such copies (one shared name makes no bundle). Computed once per catalog.
/// </summary>
internal static class CatalogCopies
{
    /// <summary>More than this share of copied names makes a pack a bundle.</summary>
    public const double BundleShare = 0.5;

    public const int MinCopied = 3;

    private static readonly ConditionalWeakTable<NodeCatalog, Dictionary<CatalogPack, (double Share, int Copied)>> Shares = [];

    public static double ShareOf(NodeCatalog catalog, CatalogPack pack) => Shares.GetValue(catalog, Compute).GetValueOrDefault(pack).Share;

    public static bool IsBundle(NodeCatalog catalog, CatalogPack pack) =>
        Shares.GetValue(catalog, Compute).GetValueOrDefault(pack) is var (share, copied) && share > BundleShare && copied >= MinCopied;

    private static Dictionary<CatalogPack, (double Share, int Copied)> Compute(NodeCatalog catalog)
    {
        var shares = new Dictionary<CatalogPack, (double, int)>(ReferenceEqualityComparer.Instance);
        foreach (var pack in catalog.Packs)
        {
            var names = pack.NodeNames.Distinct(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                continue;
            }

            var copied = names.Count(n => catalog.Listing(n).Any(other => !ReferenceEquals(other, pack) && MoreOriginal(other, pack)));
            shares[pack] = ((double)copied / names.Count, copied);
        }

        return shares;
    }

    private static bool MoreOriginal(CatalogPack other, CatalogPack pack) =>
        !other.LooksLikeFork && (pack.LooksLikeFork || (other.Stars ?? 0) > (pack.Stars ?? 0));
}
