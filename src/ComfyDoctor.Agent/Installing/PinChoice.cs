using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Chooses the commit for a pack's pins. A workflow can carry several pins for one pack (nodes saved at different
/// times): each is tried in order (<see cref="VersionResolver"/>: commit, tag, <c>pyproject.toml</c> version) and the first
/// the repository has is taken. When none is there, a semver pin that was never released takes the nearest older release
/// (<see cref="NearestRelease"/>) and says so as <c>node.version-mismatch</c> — unless the policy asks for strict pins.
/// </summary>
internal static class PinChoice
{
    /// <summary>The commit to check out and, when it needs saying, a note (another pin, or the nearest older release).</summary>
    /// <exception cref="InstallStepException">At <see cref="InstallStage.Checkout"/>: no pin names a commit here.</exception>
    public static async Task<(string Commit, string? Note)> ChooseAsync(
        GitClient git,
        string repo,
        PackInstallRequest request,
        bool strict,
        CancellationToken ct
    )
    {
        var pins = Pins(request);
        if (pins.Count == 0)
        {
            return (await git.HeadAsync(repo, ct), null);
        }

        var problems = new List<string>();
        foreach (var pin in pins)
        {
            try
            {
                if (await VersionResolver.TryResolveAsync(git, repo, pin, ct) is { } commit)
                {
                    return (
                        commit,
                        pin == pins[0] ? null : $"pin {pins[0]} is not in the repository; took {pin}, another pin the workflows carry"
                    );
                }

                problems.Add(VersionResolver.NotFound(pin));
            }
            catch (InstallStepException e)
            {
                problems.Add(e.Message);
            }
        }

        var semvers = pins.Where(p => NearestRelease.Parse(p) is not null).ToList();
        if (!strict && semvers.Count > 0)
        {
            var releases = await ReleasesAsync(git, repo, ct);
            foreach (var pin in semvers)
            {
                if (NearestRelease.Choose(pin, releases) is { } nearest)
                {
                    return (
                        nearest.Commit,
                        $"{Core.Diagnosis.FindingCodes.NodeVersionMismatch}: {pin} was never tagged or released; "
                            + $"installed {nearest.Version} ({nearest.Source}), the nearest older release"
                    );
                }
            }
        }

        if (!strict && pins.Any(VersionResolver.IsCommitHash))
        {
            var head = await git.HeadAsync(repo, ct);
            return (
                head,
                $"{Core.Diagnosis.FindingCodes.NodeVersionMismatch}: {string.Join(" or ", pins)} not in the repository "
                    + $"(history rewritten, or a mirror older than the workflow); installed the default branch head {head[..12]}"
            );
        }

        var strictNote = strict ? "; strict pins: no nearest older release or default branch head is taken" : "";
        throw new InstallStepException(InstallStage.Checkout, string.Join("; ", problems) + strictNote);
    }

    /// <summary>The pins to try, in order, without repeats; floating versions (<c>latest</c>, none) pin nothing.</summary>
    public static List<string> Pins(PackInstallRequest request) =>
        [
            .. new[] { request.Version }
                .Concat(request.OtherVersions)
                .Where(v => !VersionResolver.IsDefaultHead(v))
                .Select(v => v!.Trim())
                .Distinct(StringComparer.OrdinalIgnoreCase),
        ];

    /// <summary>The versions this repository released: semver tags, and the commits that set <c>pyproject.toml</c>'s version.</summary>
    private static async Task<List<NearestRelease.Release>> ReleasesAsync(GitClient git, string repo, CancellationToken ct)
    {
        var releases = (await git.TagsAsync(repo, ct))
            .Where(t => NearestRelease.Parse(t.Tag) is not null)
            .Select(t => new NearestRelease.Release(t.Tag, t.Commit, "tag " + t.Tag))
            .ToList();
        string? newer = null;
        foreach (var commit in await git.PyprojectCommitsAsync(repo, VersionResolver.MaxPyprojectCommits, ct))
        {
            var version = await git.ShowAsync(repo, commit, "pyproject.toml", ct) is { } text ? PyProject.Read(text).Version?.Trim() : null;
            if (version is not null && version != newer)
            {
                releases.Add(new NearestRelease.Release(version, commit, "pyproject.toml"));
            }
            else if (version is not null)
            {
                releases[^1] = releases[^1] with { Commit = commit }; // walking back: the oldest commit of a run set the version
            }

            newer = version;
        }

        return releases;
    }
}
