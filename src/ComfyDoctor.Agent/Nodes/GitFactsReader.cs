using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Reads a checkout's origin, HEAD commit, exact tag and dirtiness with read-only git commands: no prompts,
/// <c>safe.directory=*</c> so checkouts owned by another user (ComfyUI's service account) still answer.
/// </summary>
public static class GitFactsReader
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string?> Environment = new() { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_OPTIONAL_LOCKS"] = "0" };

    /// <summary>Git facts of <paramref name="folder"/>, or null when it is not the top of a git checkout.</summary>
    public static async Task<GitFacts?> ReadAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(Path.Combine(folder, ".git")) && !File.Exists(Path.Combine(folder, ".git")))
        {
            return null;
        }

        var commit = await GitAsync(folder, ct, "rev-parse", "--verify", "HEAD");
        if (commit is null)
        {
            return null;
        }

        var remote = await GitAsync(folder, ct, "config", "--get", "remote.origin.url");
        var tag = await GitAsync(folder, ct, "describe", "--tags", "--exact-match", "HEAD");
        var status = await GitAsync(folder, ct, "status", "--porcelain", "--untracked-files=no");
        return new GitFacts(remote is null ? null : RepoUrl.Normalize(remote), commit, tag, status is { Length: > 0 });
    }

    private static async Task<string?> GitAsync(string folder, CancellationToken ct, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec("git", ["-c", "safe.directory=*", "-C", folder, .. args], Environment: Environment, Timeout: Timeout), ct);
        return result.Succeeded ? result.StdOut.Trim() : null;
    }
}
