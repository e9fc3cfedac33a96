using System.Diagnostics;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Server.Tests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 19: <c>comfydoctor workers</c> (and <c>GET /admin/workers</c>) say which ComfyUI each worker runs — version, short
/// commit, dirty state — from the latest finished report, for a real server and real agents over real git checkouts: one
/// clean, one with a tracked file changed, one that is not a checkout.
/// </summary>
public sealed class WorkersComfyUiTests
{
    [Fact]
    public async Task Workers_lists_each_workers_ComfyUI_version_short_commit_and_dirty_state()
    {
        using var dir = new TempDir();
        await using var server = await TestServer.StartAsync();
        var clean = await CheckoutAsync(dir.Combine("gpu-01"), dirty: false);
        var dirty = await CheckoutAsync(dir.Combine("gpu-02"), dirty: true);
        var plain = DemoInstallation.Create(dir.Combine("gpu-03"), checkpointMiB: 1).ComfyUiRoot;
        var agents = new[] { ("gpu-01", clean.Root), ("gpu-02", dirty.Root), ("gpu-03", plain) }
            .Select(w => server.Agent(w.Item1, w.Item2, dir.Combine("agents", w.Item1)))
            .ToList();
        string[] target = ["--server", server.Url.ToString(), "--token", TestServer.AdminToken];

        foreach (var agent in agents)
        {
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrols
        }

        var before = await InProcessCli.RunAsync(["workers", .. target]);
        Assert.True(before.ExitCode == 0, before.StdErr);
        Assert.Contains("ComfyUI", before.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("0.3.66", before.StdOut, StringComparison.Ordinal); // nothing said before a report

        Assert.Equal(0, (await InProcessCli.RunAsync(["scan", .. target])).ExitCode);
        foreach (var agent in agents)
        {
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        }

        var table = await InProcessCli.RunAsync(["workers", .. target]);
        Assert.True(table.ExitCode == 0, table.StdErr);
        var rows = table.StdOut.Split('\n');
        Assert.Contains($"0.3.66 @ {clean.Commit[..12]} ", Row(rows, "gpu-01"), StringComparison.Ordinal);
        Assert.DoesNotContain("(dirty)", Row(rows, "gpu-01"), StringComparison.Ordinal);
        Assert.Contains($"0.3.66 @ {dirty.Commit[..12]} (dirty)", Row(rows, "gpu-02"), StringComparison.Ordinal);
        Assert.Contains(" 0.3.66 ", Row(rows, "gpu-03"), StringComparison.Ordinal);
        Assert.DoesNotContain(" @ ", Row(rows, "gpu-03"), StringComparison.Ordinal);

        var json = JsonDocument.Parse((await InProcessCli.RunAsync(["workers", "--json", .. target])).StdOut).RootElement;
        var second = json.EnumerateArray().Single(w => w.GetProperty("name").GetString() == "gpu-02").GetProperty("comfyUi");
        Assert.Equal("0.3.66", second.GetProperty("version").GetString());
        Assert.Equal(dirty.Commit, second.GetProperty("commit").GetString());
        Assert.True(second.GetProperty("dirty").GetBoolean());
        var third = json.EnumerateArray().Single(w => w.GetProperty("name").GetString() == "gpu-03").GetProperty("comfyUi");
        Assert.False(third.TryGetProperty("commit", out _));
    }

    private static string Row(string[] rows, string worker) => Assert.Single(rows, r => r.Contains(worker, StringComparison.Ordinal));

    /// <summary>The demo ComfyUI as a git checkout with one commit of its version file; <paramref name="dirty"/> changes it.</summary>
    private static async Task<(string Root, string Commit)> CheckoutAsync(string folder, bool dirty)
    {
        var root = DemoInstallation.Create(folder, checkpointMiB: 1).ComfyUiRoot;
        await GitAsync(root, "init", "--quiet");
        await GitAsync(root, "add", "comfyui_version.py");
        await GitAsync(root, "commit", "--quiet", "-m", "ComfyUI");
        if (dirty)
        {
            await File.AppendAllTextAsync(Path.Combine(root, "comfyui_version.py"), "# changed by hand\n");
        }

        return (root, await GitAsync(root, "rev-parse", "HEAD"));
    }

    private static async Task<string> GitAsync(string repo, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "-C", repo },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = await git.StandardOutput.ReadToEndAsync();
        var error = await git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return output.Trim();
    }
}
