using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Agent.Tests.Support;

/// <summary>Runs real git in test repositories, with a fixed identity so no global configuration is needed.</summary>
internal static class Git
{
    public static async Task<string> RunAsync(string repo, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "git",
                [
                    "-c",
                    "user.name=ComfyDoctor Test",
                    "-c",
                    "user.email=test@example.invalid",
                    "-c",
                    "init.defaultBranch=main",
                    "-c",
                    "commit.gpgsign=false",
                    "-C",
                    repo,
                    .. args,
                ]
            ),
            CancellationToken.None
        );
        Assert.True(result.Succeeded, $"git {string.Join(' ', args)}: {result.StdErr}");
        return result.StdOut.Trim();
    }

    /// <summary>Creates a repository with one commit of the given files.</summary>
    public static async Task<string> InitAsync(string repo, IReadOnlyDictionary<string, string> files)
    {
        Directory.CreateDirectory(repo);
        await RunAsync(repo, "init", "--quiet");
        return await CommitAsync(repo, files, "initial");
    }

    public static async Task<string> CommitAsync(string repo, IReadOnlyDictionary<string, string> files, string message)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(repo, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await RunAsync(repo, "add", "-A");
        await RunAsync(repo, "commit", "--quiet", "-m", message);
        return await RunAsync(repo, "rev-parse", "HEAD");
    }
}
