using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Nodes;

public sealed class GitFactsReaderTests
{
    [Fact]
    public async Task Remote_with_credentials_is_normalised_without_them()
    {
        using var dir = new TempDir();
        var repo = dir.Combine("pack");
        await Git.InitAsync(repo, new Dictionary<string, string> { ["__init__.py"] = "" });
        await Git.RunAsync(repo, "remote", "add", "origin", "https://deploy:s3cret@GitHub.com/Owner/Some-Pack.git/");

        var facts = await GitFactsReader.ReadAsync(repo, CancellationToken.None);

        Assert.Equal("https://github.com/Owner/Some-Pack", facts!.Remote);
    }

    [Fact]
    public async Task A_plain_folder_inside_another_checkout_has_no_git_facts()
    {
        using var dir = new TempDir();
        // custom_nodes usually sits inside ComfyUI's own checkout: a pack copied in without .git must not borrow its facts
        var comfy = dir.Combine("ComfyUI");
        await Git.InitAsync(comfy, new Dictionary<string, string> { ["main.py"] = "", ["custom_nodes/copied/__init__.py"] = "" });

        Assert.Null(await GitFactsReader.ReadAsync(Path.Combine(comfy, "custom_nodes", "copied"), CancellationToken.None));
        Assert.NotNull(await GitFactsReader.ReadAsync(comfy, CancellationToken.None));
    }

    [Fact]
    public async Task A_repository_without_commits_has_no_git_facts()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("empty"));
        await Git.RunAsync(dir.Combine("empty"), "init", "--quiet");

        Assert.Null(await GitFactsReader.ReadAsync(dir.Combine("empty"), CancellationToken.None));
    }

    [Fact]
    public async Task A_checkout_owned_by_another_user_still_answers()
    {
        if (Environment.UserName != "root")
        {
            return; // only root can hand a folder to another user; elsewhere this situation cannot be set up
        }

        using var dir = new TempDir();
        var repo = dir.Combine("pack");
        var commit = await Git.InitAsync(repo, new Dictionary<string, string> { ["__init__.py"] = "" });
        var chown = await ProcessRunner.RunAsync(new ProcessSpec("chown", ["-R", "65534:65534", repo]), CancellationToken.None);
        Assert.True(chown.Succeeded, chown.StdErr);
        var plain = await ProcessRunner.RunAsync(new ProcessSpec("git", ["-C", repo, "rev-parse", "HEAD"]), CancellationToken.None);
        Assert.Contains("dubious ownership", plain.StdErr, StringComparison.Ordinal); // the situation is real

        var facts = await GitFactsReader.ReadAsync(repo, CancellationToken.None);

        Assert.Equal(commit, facts!.Commit);
        Assert.False(facts.Dirty);
    }
}
