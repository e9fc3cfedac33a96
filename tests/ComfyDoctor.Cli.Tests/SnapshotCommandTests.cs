using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Snapshots;
using ComfyDoctor.Server;

namespace ComfyDoctor.Cli.Tests;

/// <summary>Issue 19 from the command line: <c>snapshot export | import | adopt | list | delete</c> against a real server and
/// agent.</summary>
public sealed class SnapshotCommandTests
{
    private const string AdminToken = "snapshot-admin-token-123456";
    private const string EnrollToken = "snapshot-enroll-token-123456";

    [Fact]
    public async Task A_worker_is_exported_as_managers_file_imported_for_a_tag_adopted_and_deleted()
    {
        using var dir = new TempDir();
        await using var app = ServerHost.Build(
            new ServerOptions("http://127.0.0.1:0", null, dir.Combine("server"))
            {
                AdminToken = AdminToken,
                EnrollToken = EnrollToken,
                LongPoll = TimeSpan.FromSeconds(1),
            }
        );
        var url = await ServerHost.StartAsync(app, CancellationToken.None);
        var demo = DemoInstallation.Create(dir.Combine("gpu"), checkpointMiB: 1);
        var scan = new ScanOptions(demo.ComfyUiRoot, [], false, 2, dir.Combine("agent", "cache.json"), null, "gpu-01");
        var agent = new AgentClient(new HttpClient(), new AgentOptions(url, EnrollToken, "gpu-01", ["test"], dir.Combine("agent"), scan));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        using var admin = new HttpClient { BaseAddress = url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        (
            await admin.PostAsync("admin/integrity-scan", new StringContent("{}", Encoding.UTF8, "application/json"))
        ).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        string[] target = ["--server", url.ToString(), "--token", AdminToken];

        var file = dir.Combine("gpu-01.json");
        var exported = await InProcessCli.RunAsync(["snapshot", "export", "gpu-01", "--output", file, .. target]);
        Assert.True(exported.ExitCode == 0, exported.StdErr);
        var bytes = await File.ReadAllTextAsync(file);
        Assert.Equal(await admin.GetStringAsync("admin/workers/gpu-01/snapshot?format=manager"), bytes);
        Assert.Equal(PythonRedump(bytes), bytes); // what json.dump(indent=4) writes for the same data: ComfyUI-Manager's bytes
        Assert.Contains(SnapshotReader.Read(bytes, "x").FilePacks, f => f.FileName == "quick_math.py");
        var printed = await InProcessCli.RunAsync(["snapshot", "export", "gpu-01", "--format", "comfydoctor", .. target]);
        Assert.StartsWith("{\n    \"format\": \"comfydoctor-snapshot/1\"", printed.StdOut, StringComparison.Ordinal);

        var noTarget = await InProcessCli.RunAsync(["snapshot", "import", file, .. target]);
        Assert.Equal(2, noTarget.ExitCode);
        Assert.Contains("name one of --tag TAG or --worker NAME", noTarget.StdErr, StringComparison.Ordinal);
        var broken = dir.Combine("broken.json");
        await File.WriteAllTextAsync(broken, "{\"comfyui\": \"HEAD\"}");
        var refused = await InProcessCli.RunAsync(["snapshot", "import", broken, "--worker", "gpu-01", .. target]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("$.comfyui: expected a commit hash", refused.StdErr, StringComparison.Ordinal);
        Assert.Contains("$.comfyui: expected a commit hash", await admin.GetStringAsync("admin/audit?size=50"), StringComparison.Ordinal);

        var imported = await InProcessCli.RunAsync(["snapshot", "import", file, "--tag", "test", .. target]);
        Assert.True(imported.ExitCode == 0, imported.StdErr);
        Assert.Contains("stored gpu-01.json for tag 'test'", imported.StdOut, StringComparison.Ordinal);
        Assert.Equal(bytes, await admin.GetStringAsync("admin/snapshots/tags/test"));

        var adopted = await InProcessCli.RunAsync(["snapshot", "adopt", "gpu-01", "--tag", "golden", .. target]);
        Assert.True(adopted.ExitCode == 0, adopted.StdErr);
        var listed = JsonDocument.Parse(await admin.GetStringAsync("admin/snapshots")).RootElement.EnumerateArray().ToList();
        Assert.Equal(
            [("golden", "comfydoctor"), ("test", "manager")],
            listed.Select(s => (s.GetProperty("name").GetString(), s.GetProperty("format").GetString()))
        );
        Assert.Equal(0, (await InProcessCli.RunAsync(["snapshot", "list", .. target])).ExitCode);

        var deleted = await InProcessCli.RunAsync(["snapshot", "delete", "--tag", "golden", .. target]);
        Assert.True(deleted.ExitCode == 0, deleted.StdErr);
        var left = JsonDocument.Parse(await admin.GetStringAsync("admin/snapshots")).RootElement;
        Assert.Equal(["test"], left.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var gone = await InProcessCli.RunAsync(["snapshot", "delete", "--tag", "golden", .. target]);
        Assert.Equal(2, gone.ExitCode);
    }

    private static string PythonRedump(string json)
    {
        var start = new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", "import json,sys; json.dump(json.load(sys.stdin), sys.stdout, indent=4)" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var python = Process.Start(start)!;
        python.StandardInput.Write(json);
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        return output;
    }
}
