using System.Text.Json;
using ComfyDoctor.Server.Tests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 19.4 from the command line, in process: <c>snapshot import</c>, then <c>repair WORKER --match-snapshot --dry-run</c>
/// shows the restore as one unit and leaves the torch family to the admin, and <c>repair --match-snapshot --allow-torch-family</c>
/// moves every pinned package of a real venv, torch family included, as its own <c>pip list</c> shows.
/// </summary>
public sealed class MatchSnapshotCommandTests
{
    [Fact]
    public async Task Repair_match_snapshot_restores_the_venv_and_the_torch_family_only_with_its_flag()
    {
        await using var server = await TestServer.StartAsync();
        using var fleet = await PythonFleet.CreateAsync();
        using var stop = new CancellationTokenSource();
        var (comfy, venv) = await fleet.WorkerAsync("gpu-01", fleet.PackOld, "aaa==1.0", "xformers==0.0.27");
        var agent = fleet.Agent(server.Url, "gpu-01", comfy);
        using var admin = server.Admin();
        await PythonFleet.ScanAsync(admin, [agent]);
        var file = Path.Combine(fleet.Root, "golden.json");
        await File.WriteAllTextAsync(file, fleet.Snapshot("aaa==2.0", "xformers==0.0.28"));
        string[] target = ["--server", server.Url.ToString(), "--token", TestServer.AdminToken];
        var imported = await InProcessCli.RunAsync(["snapshot", "import", file, "--tag", "test", .. target]);
        Assert.True(imported.ExitCode == 0, imported.StdErr);

        var dry = await InProcessCli.RunAsync(["repair", "gpu-01", "--match-snapshot", "--dry-run", .. target]);
        Assert.True(dry.ExitCode == 0, dry.StdErr);
        Assert.Contains("aaa==2.0", dry.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("xformers==0.0.28 in", dry.StdOut, StringComparison.Ordinal); // not in the action's packages
        Assert.Contains("1 action(s) restore the snapshot as one unit", dry.StdOut, StringComparison.Ordinal);
        Assert.Contains("allow-torch-family", dry.StdOut, StringComparison.Ordinal); // in what no action fixes, with how to allow it

        var running = agent.RunAsync(stop.Token);
        try
        {
            var repaired = await InProcessCli.RunAsync(["repair", "gpu-01", "--match-snapshot", "--allow-torch-family", .. target]);
            Assert.Contains(
                "installed and verified: aaa 2.0 (was 1.0), xformers 0.0.28 (was 0.0.27)",
                repaired.StdOut,
                StringComparison.Ordinal
            );
            // Exit 1 says an error is left: this venv has no torch at all (runtime.torch-missing), which no snapshot restore fixes.
            Assert.True(repaired.ExitCode == 1, repaired.StdOut + repaired.StdErr);
            var report = JsonDocument.Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01")).RootElement;
            Assert.Equal(
                ["runtime.torch-missing"],
                report
                    .GetProperty("findings")
                    .EnumerateArray()
                    .Where(f =>
                        f.GetProperty("severity").GetString() == "error"
                        || f.GetProperty("code").GetString()!.StartsWith("python.", StringComparison.Ordinal)
                    )
                    .Select(f => f.GetProperty("code").GetString())
            );
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var after = venv.Snapshot(); // the venv's own pip list, not the agent's word
        Assert.Equal(("2.0", "0.0.28"), (after.VersionOf("aaa"), after.VersionOf("xformers")));
    }
}
