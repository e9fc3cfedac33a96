using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// The disabled copies of a pack a workflow needs (<c>custom_nodes/.disabled/*</c>, <c>*.disabled</c>), and the one to
/// enable: the copy at the pinned version, else as ComfyUI-Manager's enable picks one — the newest registry version on
/// disk, then a nightly checkout, then any other.
/// </summary>
public static class DisabledCopies
{
    public static IEnumerable<NodePack> Of(WorkerInventory inventory, RequiredNodePack required) =>
        inventory.NodePacks.Where(p => p.Disabled && InstalledPackMatcher.Matches(p, required));

    public static NodePack? Best(WorkerInventory inventory, RequiredNodePack required)
    {
        var copies = Of(inventory, required).ToList();
        if (required.Version is { } pin && !InstalledPackMatcher.IsFloating(pin) && copies.FirstOrDefault(c => IsAt(c, pin)) is { } pinned)
        {
            return pinned;
        }

        return copies
            .OrderByDescending(c => Release(VersionOf(c)) ?? new Version(0, 0))
            .ThenByDescending(c => string.Equals(VersionOf(c), "nightly", StringComparison.OrdinalIgnoreCase))
            .ThenBy(c => c.Path, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>The version a disabled copy is at: the one in its folder name, else its tag or pyproject version.</summary>
    public static string? VersionOf(NodePack copy) => copy.Manager?.DisabledVersion ?? copy.Git?.Tag ?? copy.ProjectVersion;

    private static bool IsAt(NodePack copy, string pin) =>
        InstalledPackMatcher.IsAtVersion(copy, pin)
        || (copy.Manager?.DisabledVersion is { } named && InstalledPackMatcher.SameVersion(named, pin));

    private static Version? Release(string? version) =>
        version is not null && Version.TryParse(version.Trim().TrimStart('v', 'V'), out var parsed) ? parsed : null;
}
