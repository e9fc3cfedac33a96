using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Turns a pinned version into the exact commit to check out: a full or short commit hash; a semver through the tag
/// <c>vX.Y.Z</c> or <c>X.Y.Z</c>; else the commit that set <c>[project] version</c> in <c>pyproject.toml</c> to it.
/// Null, <c>latest</c> and <c>nightly</c> mean the default branch head. Anything else fails loudly. Several pins and
/// unreleased versions: <see cref="PinChoice"/>.
/// </summary>
internal static partial class VersionResolver
{
    public const int MaxPyprojectCommits = 1000;

    public static bool IsDefaultHead(string? version) =>
        string.IsNullOrWhiteSpace(version)
        || version.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase)
        || version.Trim().Equals("nightly", StringComparison.OrdinalIgnoreCase);

    public static bool IsCommitHash(string version) => CommitHash().IsMatch(version.Trim());

    /// <summary>The full commit hash one pin names in <paramref name="repo"/>: a commit, a release tag, or the commit that
    /// set <c>pyproject.toml</c>'s version; null when it names none.</summary>
    /// <exception cref="InstallStepException">At <see cref="InstallStage.Checkout"/>: the pin is neither a hash nor a version.</exception>
    public static async Task<string?> TryResolveAsync(GitClient git, string repo, string version, CancellationToken ct) =>
        await TryResolveLocalAsync(git, repo, version, ct) ?? await FromPyprojectAsync(git, repo, version, ct);

    /// <summary>Why <paramref name="version"/> named nothing.</summary>
    public static string NotFound(string version) =>
        IsCommitHash(version)
            ? $"commit {version} is not in the repository (or the short hash is ambiguous)"
            : $"version {version} matches no commit, no tag v{version.TrimStart('v')} or {version.TrimStart('v')}, "
                + "and no pyproject.toml version";

    /// <summary>A commit hash or a release tag, without walking history; null when neither names a commit.</summary>
    public static async Task<string?> TryResolveLocalAsync(GitClient git, string repo, string version, CancellationToken ct)
    {
        if (IsCommitHash(version))
        {
            var commit = await git.TryResolveAsync(repo, version.ToLowerInvariant(), ct);
            return commit is not null && commit.StartsWith(version, StringComparison.OrdinalIgnoreCase) ? commit : null;
        }

        if (!Semver().IsMatch(version))
        {
            throw new InstallStepException(InstallStage.Checkout, $"version '{version}' is neither a commit hash nor a version number");
        }

        var bare = version.StartsWith('v') || version.StartsWith('V') ? version[1..] : version;
        foreach (var tag in new[] { "v" + bare, bare })
        {
            if (await git.TryResolveAsync(repo, "refs/tags/" + tag, ct) is { } commit)
            {
                return commit;
            }
        }

        return null;
    }

    private static async Task<string?> FromPyprojectAsync(GitClient git, string repo, string version, CancellationToken ct)
    {
        if (IsCommitHash(version))
        {
            return null;
        }

        var bare = version.TrimStart('v', 'V');
        string? found = null;
        foreach (var commit in await git.PyprojectCommitsAsync(repo, MaxPyprojectCommits, ct))
        {
            var text = await git.ShowAsync(repo, commit, "pyproject.toml", ct);
            var matches = text is not null && string.Equals(PyProject.Read(text).Version?.Trim(), bare, StringComparison.Ordinal);
            if (matches)
            {
                found = commit; // keep walking back: the oldest of this run is the commit that set the version
            }
            else if (found is not null)
            {
                break;
            }
        }

        return found;
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,40}$")]
    private static partial Regex CommitHash();

    [GeneratedRegex(@"^[vV]?\d+(\.\d+){0,3}([-+.]?[0-9A-Za-z]+([.-][0-9A-Za-z]+)*)?$")]
    private static partial Regex Semver();
}
