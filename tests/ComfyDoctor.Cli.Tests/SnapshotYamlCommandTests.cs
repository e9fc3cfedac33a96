using System.Text.Json;
using ComfyDoctor.Server.Tests;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 19 from the command line: ComfyUI-Manager's YAML snapshot and comfy-cli's <c>comfy.lock.yaml</c> go through the same
/// <c>snapshot import</c> as Manager's JSON (the layout told by the content, whatever the file's name), a malformed one is
/// refused with its line and field, and <c>snapshot get</c> prints the stored file with URL credentials hidden — exactly as
/// imported only with <c>--raw</c>.
/// </summary>
public sealed class SnapshotYamlCommandTests
{
    private const string Token = "ghp_CliS3cretT0ken";

    /// <summary>As Manager's <c>yaml.dump({'custom_nodes': snapshot}, allow_unicode=True)</c> writes it.</summary>
    private const string ManagerYaml = $"""
        custom_nodes:
          cnr_custom_nodes:
            comfyui-kjnodes: '1.10'
          comfyui: a1b2c3d4e5f60718293a4b5c6d7e8f9012345678
          file_custom_nodes: []
          git_custom_nodes:
            https://github.com/kijai/ComfyUI-KJNodes:
              disabled: false
              hash: 0123456789abcdef0123456789abcdef01234567
          pips:
            numpy==1.26.4: ''
            private-lib: git+https://ci:{Token}@git.corp.test/private-lib.git

        """;

    [Fact]
    public async Task Yaml_snapshots_are_imported_from_their_content_and_printed_back_without_credentials_unless_raw()
    {
        using var dir = new TempDir();
        await using var server = await TestServer.StartAsync();
        string[] target = ["--server", server.Url.ToString(), "--token", TestServer.AdminToken];

        var named = dir.Combine("render-farm.snapshot"); // no telling extension: the content decides
        await File.WriteAllTextAsync(named, ManagerYaml);
        var imported = await InProcessCli.RunAsync(["snapshot", "import", named, "--tag", "render", .. target]);
        Assert.True(imported.ExitCode == 0, imported.StdErr);
        Assert.Contains("1 git packs, 1 registry packs, 2 pips (manager-yaml format)", imported.StdOut, StringComparison.Ordinal);

        var lockFile = dir.Combine("comfy.lock.yaml");
        await File.WriteAllTextAsync(lockFile, "basics:\n  name: farm\nmodels: []\n" + ManagerYaml);
        var locked = await InProcessCli.RunAsync(["snapshot", "import", lockFile, "--tag", "locked", .. target]);
        Assert.True(locked.ExitCode == 0, locked.StdErr);
        Assert.Contains("(comfy-lock format)", locked.StdOut, StringComparison.Ordinal);

        var broken = dir.Combine("broken.yaml");
        await File.WriteAllTextAsync(broken, ManagerYaml.Replace("hash: 0123456789abcdef", "hash: main", StringComparison.Ordinal));
        var refused = await InProcessCli.RunAsync(["snapshot", "import", broken, "--tag", "render", .. target]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(
            "broken.yaml:9: $.custom_nodes.git_custom_nodes[\"https://github.com/kijai/ComfyUI-KJNodes\"].hash: expected a commit hash",
            refused.StdErr,
            StringComparison.Ordinal
        );

        var shown = await InProcessCli.RunAsync(["snapshot", "get", "--tag", "render", .. target]);
        Assert.True(shown.ExitCode == 0, shown.StdErr);
        Assert.Equal(ManagerYaml.Replace($"ci:{Token}@", "***@", StringComparison.Ordinal), shown.StdOut);
        var raw = await InProcessCli.RunAsync([
            "snapshot",
            "get",
            "--tag",
            "render",
            "--raw",
            "--output",
            dir.Combine("raw.yaml"),
            .. target,
        ]);
        Assert.True(raw.ExitCode == 0, raw.StdErr);
        Assert.Equal(ManagerYaml, await File.ReadAllTextAsync(dir.Combine("raw.yaml")));

        using var admin = server.Admin();
        var listed = JsonDocument.Parse(await admin.GetStringAsync("admin/snapshots")).RootElement.EnumerateArray();
        Assert.Equal(
            [("locked", "comfy-lock"), ("render", "manager-yaml")],
            listed.Select(s => (s.GetProperty("name").GetString(), s.GetProperty("format").GetString()))
        );
        var audit = await admin.GetStringAsync("admin/audit?size=50");
        Assert.Contains("snapshot.download-raw", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, audit + shown.StdOut + refused.StdErr, StringComparison.Ordinal);
    }
}
