using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Turns a pinned version into the exact commit to check out: a full or short commit hash; a semver through the tag
/// <c>vX.Y.Z</c> or <c>X.Y.Z</c>; else the commit that set <c>[project] version</c> in <c>pyproject.toml</c> to it.
/// Null, <c>latest</c> and <c>nightly</c> mean the default branch head. Anything else fails loudly.
/// </summary>
internal static partial class VersionResolver
{
    private const int MaxPyprojectCommits = 1000;

    public static bool IsDefaultHead(string? version) =>
        string.IsNullOrWhiteSpace(version) || version.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase)
        || version.Trim().Equals("nightly", StringComparison.OrdinalIgnoreCase);

    public static bool IsCommitHash(string version) => CommitHash().IsMatch(version.Trim());

    /// <summary>The full commit hash for <paramref name="version"/> in <paramref name="repo"/>.</summary>
    /// <exception cref="InstallStepException">At <see cref="InstallStage.Checkout"/>: no commit matches.</exception>
    public static async Task<string> ResolveAsync(GitClient git, string repo, string? version, CancellationToken ct)
    {
        if (IsDefaultHead(version))
        {
            return await git.HeadAsync(repo, ct);
        }

        var wanted = version!.Trim();
        return await TryResolveLocalAsync(git, repo, wanted, ct)
            ?? await FromPyprojectAsync(git, repo, wanted, ct)
            ?? throw new InstallStepException(InstallStage.Checkout, IsCommitHash(wanted)
                ? $"commit {wanted} is not in the repository (or the short hash is ambiguous)"
                : $"version {wanted} matches no commit, no tag v{wanted.TrimStart('v')} or {wanted.TrimStart('v')}, and no pyproject.toml version");
    }

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
