using System.Net.Http.Headers;
using System.Text.Json;
using ComfyDoctor.Server.Tests.Catalog;

namespace ComfyDoctor.Cli.Tests;

/// <summary>Issue 15.2 as processes: a <c>server</c> that refreshes its node catalog from a folder, and the
/// <c>catalog</c>, <c>workflows</c> and <c>node-types</c> commands against it.</summary>
public sealed class CatalogProcessTests
{
    [Fact]
    public async Task A_server_reads_its_catalog_from_a_folder_and_the_catalog_commands_import_show_and_pin()
    {
        using var dir = new TempDir();
        var source = dir.Combine("maps");
        Directory.CreateDirectory(source);
        File.Copy(CorpusFiles.NodeMap, Path.Combine(source, "extension-node-map.json"));
        var port = FleetProcessTests.FreePort();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "catalog-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "catalog-enroll-token-123456",
        };
        using var server = FleetProcessTests.Start(
            env,
            "server",
            "--urls",
            $"http://127.0.0.1:{port}",
            "--data",
            dir.Combine("server"),
            "--node-catalog-source",
            source
        );
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
            await FleetProcessTests.WaitUntilAsync(async () =>
                (await FleetProcessTests.TryGetAsync(http, "admin/node-catalog"))?.GetProperty("files").GetArrayLength() == 1
            );
            string[] target = ["--server", $"http://127.0.0.1:{port}", "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];

            var shown = await InProcessCli.RunAsync(["catalog", "show", .. target]);
            Assert.Equal(0, shown.ExitCode);
            Assert.Contains("extension-node-map.json", shown.StdOut, StringComparison.Ordinal);
            Assert.Contains(source, shown.StdOut, StringComparison.Ordinal);

            var imported = await InProcessCli.RunAsync(["catalog", "import", CorpusFiles.NodeList, CorpusFiles.GithubStats, .. target]);
            Assert.Equal(0, imported.ExitCode);
            Assert.Contains("imported:", imported.StdOut, StringComparison.Ordinal);
            var broken = dir.Combine("github-stats.json");
            await File.WriteAllTextAsync(broken, "[1, 2");
            var refused = await InProcessCli.RunAsync(["catalog", "import", broken, .. target]);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("github-stats.json", refused.StdErr, StringComparison.Ordinal);

            var workflow = dir.Combine("leapfusion.json");
            await File.WriteAllTextAsync(workflow, CorpusFiles.HintFree(CorpusFiles.KjWorkflow));
            var added = await InProcessCli.RunAsync(["workflows", "add", workflow, .. target]);
            Assert.Contains("needs 2 node packs", added.StdOut, StringComparison.Ordinal);
            Assert.Contains("0 node types unresolved", added.StdOut, StringComparison.Ordinal);

            var pinned = await InProcessCli.RunAsync([
                "catalog",
                "pin",
                "ImageResizeKJ",
                "https://github.com/example/resize-pack",
                .. target,
            ]);
            Assert.Equal(0, pinned.ExitCode);
            Assert.Contains("1 workflows re-resolved (1 changed)", pinned.StdOut, StringComparison.Ordinal);
            var pins = dir.Combine("pins.yaml");
            await File.WriteAllTextAsync(
                pins,
                "packs:\n  - name: kj\n    url: https://github.com/kijai/ComfyUI-KJNodes\n    version: 1.1.7\n"
            );
            Assert.Equal(0, (await InProcessCli.RunAsync(["catalog", "pins", pins, .. target])).ExitCode);
            var listed = JsonDocument.Parse((await InProcessCli.RunAsync(["workflows", "list", "--json", .. target])).StdOut).RootElement[
                0
            ];
            var kj = listed
                .GetProperty("requirements")
                .GetProperty("nodePacks")
                .EnumerateArray()
                .Single(p => p.GetProperty("url").GetString()!.Contains("KJNodes", StringComparison.Ordinal));
            // the replaced pins: no ImageResizeKJ pin, the KJNodes version pin
            Assert.Equal("1.1.7", kj.GetProperty("version").GetString());

            var types = await InProcessCli.RunAsync(["node-types", .. target]);
            Assert.Equal(0, types.ExitCode); // no worker scanned yet: nothing is missing anywhere
            Assert.Contains("ImageResizeKJ", types.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }
}
