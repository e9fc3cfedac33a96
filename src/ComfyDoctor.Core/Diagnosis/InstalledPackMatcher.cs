using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Decides whether an installed pack is the one a workflow needs, and whether it is at the pinned version.</summary>
public static class InstalledPackMatcher
{
    public static bool Matches(NodePack pack, RequiredNodePack required) => Evidence(pack, required) is not null;

    /// <summary>
    /// Why <paramref name="pack"/> is the pack <paramref name="required"/> names, or null when it is not. A checkout is
    /// judged by its remote (the pack's URL or one the catalog lists for it: a repository that moved or was renamed) and
    /// by the registry id ComfyUI-Manager wrote into it or its <c>pyproject.toml</c> carries; a folder without git by
    /// what its <c>pyproject.toml</c> says (a registry install's id, its repository) and, last, its folder name.
    /// </summary>
    public static string? Evidence(NodePack pack, RequiredNodePack required)
    {
        var id = required.Id;
        if (pack.Git?.Remote is { } remote)
        {
            return RepoUrl.SameRepo(remote, required.Url) ? "its git remote"
                : required.AlternateUrls.Any(u => RepoUrl.SameRepo(remote, u))
                    ? $"its git remote {remote}, which the catalog lists for this pack"
                : id is not null && SameId(pack.Manager?.RegistryId, id)
                    ? $"the registry id '{id}' ComfyUI-Manager recorded in its checkout"
                : id is not null && SameId(pack.ProjectName, id)
                    ? $"its pyproject.toml names registry id '{id}' (the repository moved to {remote})"
                : null;
        }

        if (
            pack.Manager?.Repository is { } repository
            && (RepoUrl.SameRepo(repository, required.Url) || required.AlternateUrls.Any(u => RepoUrl.SameRepo(repository, u)))
        )
        {
            return "its pyproject.toml names the repository";
        }

        if (id is not null && (SameId(pack.Manager?.RegistryId, id) || SameId(pack.ProjectName, id)))
        {
            return pack.Manager?.RegistryInstall == true
                ? $"a registry install of '{id}' (.tracking)"
                : $"its pyproject.toml names registry id '{id}'";
        }

        // No git checkout and no project identity (a zip or copied folder): the folder name.
        return
            required.AlternateUrls.Prepend(required.Url).Any(u => SameId(pack.Name, RepoUrl.RepoName(u)))
            || (id is not null && SameId(pack.Name, id))
            ? "its folder name"
            : null;
    }

    private static bool SameId(string? a, string b) =>
        a is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

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

        return SameVersion(pack.Git?.Tag, v) || SameVersion(pack.ProjectVersion, v);
    }

    /// <summary>Semvers compared as ComfyUI-Manager does (<c>v</c> prefix ignored, <c>2.5</c> = <c>2.5.0</c>).</summary>
    public static bool SameVersion(string? a, string b) =>
        a is not null && string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    private static string Canonical(string version)
    {
        var parts = version.Trim().TrimStart('v', 'V').Split('.').ToList();
        while (parts.Count < 3 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            parts.Add("0");
        }

        return string.Join('.', parts);
    }

    /// <summary>Versions that pin nothing: <c>latest</c>, <c>nightly</c>, <c>unknown</c>, empty.</summary>
    public static bool IsFloating(string version) => version.Trim().ToLowerInvariant() is "" or "latest" or "nightly" or "unknown" or "*";

    public static bool IsCommitish(string version) => version.Length is >= 7 and <= 40 && version.All(char.IsAsciiHexDigit);
}
