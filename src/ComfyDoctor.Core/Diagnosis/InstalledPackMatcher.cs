using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Decides whether an installed pack is the one a workflow needs, and whether it is at the pinned version.</summary>
public static class InstalledPackMatcher
{
    public static bool Matches(NodePack pack, RequiredNodePack required)
    {
        if (pack.Git?.Remote is { } remote)
        {
            return RepoUrl.SameRepo(remote, required.Url);
        }

        // No git checkout (zip install, registry install): fall back to the folder name or the project name.
        var repoName = RepoUrl.RepoName(required.Url);
        return string.Equals(pack.Name, repoName, StringComparison.OrdinalIgnoreCase)
            || (required.Id is not null && string.Equals(pack.ProjectName, required.Id, StringComparison.OrdinalIgnoreCase))
            || (required.Id is not null && string.Equals(pack.Name, required.Id, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A commit pin matches HEAD by prefix; a semver pin matches the exact tag or the pyproject version;
    /// a floating version (<c>latest</c>, <c>nightly</c>) matches whatever is installed.</summary>
    public static bool IsAtVersion(NodePack pack, string version)
    {
        var v = version.Trim();
        if (IsFloating(v))
        {
            return true;
        }

        if (IsCommitish(v))
        {
            return pack.Git?.Commit is { } commit && commit.StartsWith(v, StringComparison.OrdinalIgnoreCase);
        }

        var bare = v.TrimStart('v', 'V');
        return string.Equals(pack.Git?.Tag?.TrimStart('v', 'V'), bare, StringComparison.Ordinal)
            || string.Equals(pack.ProjectVersion?.TrimStart('v', 'V'), bare, StringComparison.Ordinal);
    }

    /// <summary>Versions that pin nothing: <c>latest</c>, <c>nightly</c>, <c>unknown</c>, empty.</summary>
    public static bool IsFloating(string version) =>
        version.Trim().ToLowerInvariant() is "" or "latest" or "nightly" or "unknown" or "*";

    public static bool IsCommitish(string version) =>
        version.Length is >= 7 and <= 40 && version.All(char.IsAsciiHexDigit);
}
