namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The git commands an install needs, each run with <c>ArgumentList</c>, no prompts (<c>GIT_TERMINAL_PROMPT=0</c>),
/// the <c>ext</c> transport off, repository hooks off, and the admin's mirrors given to git as <c>insteadOf</c> rules
/// so submodule URLs are rewritten too. A failing command is an <see cref="InstallStepException"/> at the given stage.
/// </summary>
internal sealed class GitClient(InstallLog log, IReadOnlyList<GitMirror> mirrors, bool allowFileProtocol)
{
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan LocalTimeout = TimeSpan.FromMinutes(2);

    public async Task CloneAsync(string url, string destination, CancellationToken ct) =>
        await RunAsync(
            InstallStage.Clone,
            Path.GetDirectoryName(destination)!,
            NetworkTimeout,
            ct,
            "clone",
            "--quiet",
            "--no-recurse-submodules",
            "--",
            url,
            destination
        );

    /// <summary>Fetches every branch and tag of <paramref name="url"/> into an existing checkout.</summary>
    public async Task FetchAsync(string repo, string url, CancellationToken ct) =>
        await RunAsync(
            InstallStage.Checkout,
            repo,
            NetworkTimeout,
            ct,
            "fetch",
            "--quiet",
            "--tags",
            "--force",
            "--",
            url,
            "+refs/heads/*:refs/remotes/origin/*"
        );

    /// <summary>Detaches HEAD at <paramref name="commit"/> and confirms with <c>rev-parse HEAD</c>; fails loudly otherwise.</summary>
    public async Task CheckoutAsync(string repo, string commit, CancellationToken ct)
    {
        await RunAsync(InstallStage.Checkout, repo, LocalTimeout, ct, "checkout", "--quiet", "--detach", commit, "--");
        await ConfirmHeadAsync(repo, commit, ct);
    }

    /// <summary>Puts a checkout back on a branch (when it was on one) or a commit.</summary>
    public async Task RestoreAsync(string repo, string? branch, string commit, CancellationToken ct)
    {
        await RunAsync(
            InstallStage.Checkout,
            repo,
            LocalTimeout,
            ct,
            branch is null ? ["checkout", "--quiet", "--detach", commit, "--"] : ["checkout", "--quiet", branch, "--"]
        );
        await ConfirmHeadAsync(repo, commit, ct);
    }

    public async Task ConfirmHeadAsync(string repo, string commit, CancellationToken ct)
    {
        var head = await HeadAsync(repo, ct);
        if (!string.Equals(head, commit, StringComparison.OrdinalIgnoreCase))
        {
            throw new InstallStepException(InstallStage.Checkout, $"after checkout HEAD is {head}, not the intended {commit}");
        }
    }

    public async Task SetOriginAsync(string repo, string url, CancellationToken ct) =>
        await RunAsync(InstallStage.Checkout, repo, LocalTimeout, ct, "remote", "set-url", "--", "origin", url);

    public async Task SubmodulesAsync(string repo, CancellationToken ct) =>
        await RunAsync(InstallStage.Checkout, repo, NetworkTimeout, ct, "submodule", "--quiet", "update", "--init", "--recursive");

    public async Task<string> HeadAsync(string repo, CancellationToken ct) =>
        (await RunAsync(InstallStage.Checkout, repo, LocalTimeout, ct, "rev-parse", "--verify", "HEAD")).Trim();

    /// <summary>The branch HEAD is on (<c>refs/heads/main</c> → <c>main</c>), or null when detached.</summary>
    public async Task<string?> BranchAsync(string repo, CancellationToken ct)
    {
        var result = await TryAsync(repo, ct, "symbolic-ref", "--quiet", "--short", "HEAD");
        return result is { Length: > 0 } branch ? branch.Trim() : null;
    }

    /// <summary>The full hash <paramref name="revision"/> names, or null when it names no commit.</summary>
    public async Task<string?> TryResolveAsync(string repo, string revision, CancellationToken ct) =>
        (await TryAsync(repo, ct, "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"))?.Trim();

    /// <summary>Changes to tracked files (untracked files do not count: packs write caches and configs).</summary>
    public async Task<bool> IsDirtyAsync(string repo, CancellationToken ct) =>
        (
            await RunAsync(
                InstallStage.Checkout,
                repo,
                LocalTimeout,
                ct,
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--ignore-submodules=dirty"
            )
        )
            .Trim()
            .Length > 0;

    public async Task<string?> RemoteUrlAsync(string repo, CancellationToken ct) =>
        (await TryAsync(repo, ct, "config", "--get", "remote.origin.url"))?.Trim();

    /// <summary>Commits that changed <c>pyproject.toml</c>, newest first, across all refs.</summary>
    public async Task<IReadOnlyList<string>> PyprojectCommitsAsync(string repo, int max, CancellationToken ct) =>
        (
            await RunAsync(
                InstallStage.Checkout,
                repo,
                LocalTimeout,
                ct,
                "log",
                "--all",
                $"--max-count={max}",
                "--format=%H",
                "--",
                "pyproject.toml"
            )
        ).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Every tag with the commit it names (annotated tags peeled): <c>(name, commit)</c>.</summary>
    public async Task<IReadOnlyList<(string Tag, string Commit)>> TagsAsync(string repo, CancellationToken ct) =>
        (
            await RunAsync(
                InstallStage.Checkout,
                repo,
                LocalTimeout,
                ct,
                "for-each-ref",
                "--format=%(refname:short) %(objectname) %(*objectname)",
                "refs/tags"
            )
        )
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 2)
            .Select(parts => (parts[0], parts[^1]))
            .ToList();

    /// <summary>The text of <paramref name="path"/> at <paramref name="commit"/>, or null.</summary>
    public Task<string?> ShowAsync(string repo, string commit, string path, CancellationToken ct) =>
        TryAsync(repo, ct, "show", $"{commit}:{path}");

    private async Task<string?> TryAsync(string cwd, CancellationToken ct, params string[] args)
    {
        var result = await InstallCommand.RunAsync(
            log,
            "git",
            [.. GlobalOptions(), .. args],
            cwd,
            Environment(cwd),
            LocalTimeout,
            ct,
            quiet: true
        );
        return result.ExitCode == 0 && !result.TimedOut ? result.StdOut : null;
    }

    private async Task<string> RunAsync(InstallStage stage, string cwd, TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        var result = await InstallCommand.RunAsync(log, "git", [.. GlobalOptions(), .. args], cwd, Environment(cwd), timeout, ct);
        if (result.TimedOut)
        {
            throw new InstallStepException(stage, $"git {args[0]} did not finish within {timeout.TotalMinutes:0} minutes");
        }

        if (result.ExitCode != 0)
        {
            throw new InstallStepException(stage, $"git {args[0]} failed (exit {result.ExitCode}): {result.LastLine}");
        }

        return result.StdOut;
    }

    private IEnumerable<string> GlobalOptions()
    {
        yield return "-c";
        yield return "protocol.ext.allow=never";
        yield return "-c";
        yield return "protocol.file.allow=" + (allowFileProtocol ? "always" : "never");
        yield return "-c";
        yield return "core.hooksPath=" + (OperatingSystem.IsWindows() ? "NUL" : "/dev/null");
        yield return "-c";
        yield return "advice.detachedHead=false";
        foreach (var mirror in mirrors)
        {
            yield return "-c";
            yield return $"url.{mirror.To}.insteadOf={mirror.From}";
        }
    }

    /// <summary>No prompts, no askpass helpers, and git never looks above the folder it runs in for a repository
    /// (a broken pack checkout must not be mistaken for ComfyUI's own).</summary>
    private static Dictionary<string, string?> Environment(string cwd) =>
        new(StringComparer.Ordinal)
        {
            ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(Path.GetFullPath(cwd)) ?? "",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GCM_INTERACTIVE"] = "never",
            ["GIT_ASKPASS"] = null,
            ["SSH_ASKPASS"] = null,
            ["LC_ALL"] = "C",
        };
}
