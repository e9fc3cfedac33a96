using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Reads a checkout's origin, HEAD commit, exact tag and dirtiness with read-only git commands: no prompts, no optional
/// locks, <c>safe.directory=*</c> so checkouts owned by another user (ComfyUI's service account) still answer.
/// </summary>
public static class GitFactsReader
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string?> Environment = new() { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_OPTIONAL_LOCKS"] = "0" };

    /// <summary>
    /// Git facts of <paramref name="folder"/>, or null when it is not the top of a git checkout (a plain folder inside
    /// some other checkout, such as ComfyUI's own, is not one) or git cannot read it.
    /// </summary>
    public static async Task<GitFacts?> ReadAsync(string folder, CancellationToken ct)
    {
        if (!IsCheckoutTop(folder))
        {
            return null;
        }

        var commit = await QueryAsync(folder, ct, "rev-parse", "--verify", "--quiet", "HEAD");
        if (commit is null)
        {
            return null;
        }

        var remote = await QueryAsync(folder, ct, "config", "--get", "remote.origin.url");
        var tag = await QueryAsync(folder, ct, "describe", "--tags", "--exact-match", "HEAD");
        var status = await QueryAsync(folder, ct, "status", "--porcelain", "--untracked-files=no");
        return new GitFacts(
            remote is { Length: > 0 } ? RepoUrl.Normalize(remote) : null,
            commit,
            tag is { Length: > 0 } ? tag : null,
            status is { Length: > 0 }
        );
    }

    /// <summary>Whether <paramref name="folder"/> has its own <c>.git</c> (a folder, or a file for submodules and worktrees).</summary>
    public static bool IsCheckoutTop(string folder) =>
        Directory.Exists(Path.Combine(folder, ".git")) || File.Exists(Path.Combine(folder, ".git"));

    /// <summary>The trimmed stdout of a read-only git command in <paramref name="folder"/>, or null when it failed.</summary>
    public static async Task<string?> QueryAsync(string folder, CancellationToken ct, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec("git", ["-c", "safe.directory=*", "-C", folder, .. args], Environment: Environment, Timeout: Timeout),
            ct
        );
        return result.Succeeded ? result.StdOut.Trim() : null;
    }
}
