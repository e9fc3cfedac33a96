using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Server.Tests;

/// <summary>Real git repositories for the snapshot tests: a pack with two commits, cloned where a worker has it, its origin
/// set to the URL a snapshot names (<see cref="Prefix"/>; agents reach it through a git mirror).</summary>
public static class SnapshotRepos
{
    public const string Prefix = "https://github.com/snapshot-test/";

    /// <summary>A pack repository with two commits; returns (older, newer).</summary>
    public static async Task<(string Old, string New)> ExtraRepoAsync(string repo)
    {
        Directory.CreateDirectory(repo);
        await GitAsync(repo, "init", "--quiet", "--initial-branch=main");
        await File.WriteAllTextAsync(Path.Combine(repo, "__init__.py"), "NODE_CLASS_MAPPINGS = {\"ExtraNode\": object}\n");
        await GitAsync(repo, "add", "-A");
        await GitAsync(repo, "commit", "--quiet", "-m", "extra 1");
        var old = await GitAsync(repo, "rev-parse", "HEAD");
        await File.AppendAllTextAsync(Path.Combine(repo, "__init__.py"), "# 2\n");
        await GitAsync(repo, "commit", "--quiet", "-am", "extra 2");
        return (old, await GitAsync(repo, "rev-parse", "HEAD"));
    }

    public static async Task CloneAsync(string from, string to, string commit)
    {
        await GitAsync(Path.GetDirectoryName(to)!, "clone", "--quiet", from, to);
        await GitAsync(to, "checkout", "--quiet", commit);
        await GitAsync(to, "remote", "set-url", "origin", Prefix + "ComfyUI-Extra");
    }

    public static async Task<string> GitAsync(string cwd, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "git",
                ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false", .. args],
                cwd,
                new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" },
                TimeSpan.FromSeconds(60)
            ),
            CancellationToken.None
        );
        Assert.True(result.Succeeded, $"git {string.Join(' ', args)}: {result.StdErr}");
        return result.StdOut.Trim();
    }
}
