using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ComfyDoctor.Server.Tests;
using ComfyDoctor.Server.Tests.Catalog;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 15 §3 + §6: the server resolves its registered workflows as one fleet decision, exactly as <c>comfydoctor resolve
/// --fleet --json</c> does for the same files, and serves it in the same shape. Every real corpus workflow, hints stripped,
/// registered on a real server with the corpus's ComfyUI-Manager files imported, against the command on the same files.
/// </summary>
public sealed class FleetResolutionShapeTests
{
    [CorpusFact]
    public async Task The_server_s_fleet_resolution_is_resolve_fleet_json_for_the_same_hint_free_corpus()
    {
        using var dir = new TempDir();
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        using (var form = new MultipartFormDataContent())
        {
            foreach (var file in new[] { CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats })
            {
                var part = new ByteArrayContent(await File.ReadAllBytesAsync(file));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                form.Add(part, "files", Path.GetFileName(file));
            }

            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("admin/node-catalog", form)).StatusCode);
        }

        var registered = new List<string>();
        foreach (var source in Directory.GetFiles(Path.Combine(CorpusFiles.Root, "workflows"), "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(source);
            var text = CorpusFiles.HintFree(name);
            var added = await admin.PostAsync($"admin/workflows?name={Uri.EscapeDataString(name)}", new StringContent(text));
            if (added.StatusCode == HttpStatusCode.OK)
            {
                await File.WriteAllTextAsync(dir.Combine(name), text);
                registered.Add(dir.Combine(name));
            }
        }

        Assert.True(registered.Count >= 30, $"{registered.Count} corpus workflows registered");
        var served = JsonNode.Parse(await admin.GetStringAsync("admin/workflows/resolution"))!["workflows"]!.AsArray();
        var cli = await InProcessCli.RunAsync([
            "resolve",
            "--fleet",
            "--json",
            "--node-map",
            CorpusFiles.NodeMap,
            "--node-list",
            CorpusFiles.NodeList,
            "--github-stats",
            CorpusFiles.GithubStats,
            "--workflow",
            .. registered,
        ]);
        Assert.True(cli.ExitCode is 0 or 1, cli.StdErr);
        var printed = JsonNode.Parse(cli.StdOut)!["workflows"]!.AsArray();
        Assert.Equal(registered.Count, printed.Count);
        Assert.Equal(registered.Count, served.Count);
        var byName = served.ToDictionary(w => w!["file"]!.GetValue<string>(), StringComparer.Ordinal);
        foreach (var workflow in printed)
        {
            var name = Path.GetFileName(workflow!["file"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(workflow["nodes"], byName[name]!["nodes"]), $"{name}: the server's node choices differ");
            Assert.True(JsonNode.DeepEquals(workflow["models"], byName[name]!["models"]), $"{name}: the server's models differ");
        }

        // One decision: a node type has one pack across every workflow that needs it.
        var packs = served
            .SelectMany(w => w!["nodes"]!.AsArray())
            .Where(n => n!["pack"] is not null)
            .GroupBy(n => n!["type"]!.GetValue<string>(), StringComparer.Ordinal)
            .Where(g => g.Select(n => n!["pack"]!["url"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.Empty(packs);
    }
}
