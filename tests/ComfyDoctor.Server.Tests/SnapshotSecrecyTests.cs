using ComfyDoctor.Agent.Demo;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 19.4: a snapshot's pip entries and pack URLs can carry credentials. The server keeps the file as imported (the agent
/// restores from it) but never shows a token: not in a viewer's or the admin API's download, the findings, a plan, the audit
/// trail (a refused file's error included) or the logs. Only the admin's explicit raw download has them, and that is audited.
/// </summary>
public sealed class SnapshotSecrecyTests
{
    private const string ViewerToken = "test-viewer-token-0123456789";
    private const string PipToken = "ghp_PipS3cretT0ken";
    private const string IndexPassword = "IndexPa55word";
    private const string PackToken = "glpat-PackS3cret";
    private const string EscapedToken = "ghp_EscapedS3cret";
    private const string RefusedToken = "ghp_RefusedS3cret";

    private static readonly string[] Secrets = [PipToken, IndexPassword, PackToken, EscapedToken, RefusedToken];

    /// <summary>Manager's JSON with a private pip URL, a private index and a private pack; the pack has a short hash.</summary>
    private const string Snapshot = $$"""
        {
            "comfyui": null,
            "git_custom_nodes": {
                "https://oauth2:{{PackToken}}@git.corp.test/ml/private-pack": {
                    "hash": "0123456789abcdef0123456789abcdef01234567",
                    "disabled": false
                }
            },
            "cnr_custom_nodes": {},
            "file_custom_nodes": [],
            "pips": {
                "private-nodes-lib": "git+https://ci:{{PipToken}}@git.corp.test/ml/private-nodes-lib.git",
                "--index-url https://farm:{{IndexPassword}}@pypi.corp.test/simple": ""
            }
        }
        """;

    [Fact]
    public async Task No_token_of_a_snapshot_is_shown_anywhere_but_the_admins_audited_raw_download()
    {
        using var log = new CapturedLog();
        var work = Path.Combine(Path.GetTempPath(), "cdsnapsecret-" + Guid.NewGuid().ToString("N")[..8]);
        await using var server = await TestServer.StartAsync(configure: o => o with { ViewerToken = ViewerToken }, logging: log.Configure);
        try
        {
            var demo = DemoInstallation.Create(Path.Combine(work, "demo"), checkpointMiB: 1);
            var options = TestServer.Options(server.Url, "gpu-01", demo.ComfyUiRoot, Path.Combine(work, "agent"));
            // This machine's python3 as ComfyUI's interpreter: its packages are read, so the private pin is judged against them.
            var agent = new ComfyDoctor.Agent.Remote.AgentClient(
                new HttpClient(),
                options with
                {
                    Scan = options.Scan with { Python = "python3" },
                }
            );
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            using var admin = server.Admin();
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            using var refused = new StringContent("{\"pips\": {\"git+https://ci:" + RefusedToken + "@git.corp.test/x\": 7}}");
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("admin/snapshots/workers/gpu-01", refused)).StatusCode);
            using var file = new StringContent(Snapshot);
            (await admin.PutAsync("admin/snapshots/workers/gpu-01", file)).EnsureSuccessStatusCode();
            // The same credentials, hidden from a text search by JSON escapes (\u0040 for '@').
            using var escaped = new StringContent(
                "{\"pips\": {\"hidden-lib\": \"git+https://ci:" + EscapedToken + "\\u0040git.corp.test/ml/hidden-lib.git\"}}"
            );
            (await admin.PutAsync("admin/snapshots/tags/test", escaped)).EnsureSuccessStatusCode();

            using var viewer = server.Client(ViewerToken);
            var viewed = await viewer.GetStringAsync("ui/snapshots/worker/gpu-01");
            Assert.Contains("git+https://***@git.corp.test/ml/private-nodes-lib.git", viewed, StringComparison.Ordinal);
            Assert.Contains("--index-url https://***@pypi.corp.test/simple", viewed, StringComparison.Ordinal);
            Assert.Contains("\"https://***@git.corp.test/ml/private-pack\"", viewed, StringComparison.Ordinal);
            var viewedEscaped = await viewer.GetStringAsync("ui/snapshots/tag/test");
            Assert.Contains("git+https://***@git.corp.test/ml/hidden-lib.git", viewedEscaped, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("ui/snapshots/worker/gpu-01/raw")).StatusCode);
            var byApi = await admin.GetStringAsync("admin/snapshots/workers/gpu-01");
            Assert.Equal(viewed, byApi);

            var report = await admin.GetStringAsync("admin/integrity-report/gpu-01");
            var findings = JsonDocument.Parse(report).RootElement.GetProperty("findings").EnumerateArray();
            var mismatch = findings.Single(f => f.GetProperty("subject").GetString() == "private-nodes-lib");
            Assert.Equal(
                "not installed, snapshot of worker 'gpu-01' pins git+https://***@git.corp.test/ml/private-nodes-lib.git",
                mismatch.GetProperty("message").GetString()
            );
            var plan = await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "match-snapshot" }, dryRun = true });
            var planned = await plan.Content.ReadAsStringAsync();
            Assert.True(plan.IsSuccessStatusCode, planned);
            Assert.Contains("private-nodes-lib", planned, StringComparison.Ordinal);

            var raw = await admin.GetStringAsync("admin/snapshots/workers/gpu-01?raw=true");
            Assert.Equal(Snapshot, raw); // the admin's explicit export: exactly as imported, what the agent restores from
            var audit = await admin.GetStringAsync("admin/audit?size=100");
            Assert.Contains("snapshot.download-raw", audit, StringComparison.Ordinal);
            Assert.Contains("git+https://***@git.corp.test/x", audit, StringComparison.Ordinal); // the refusal, named safely

            await server.App.StopAsync(); // every log entry written
            var shown = new Dictionary<string, string>
            {
                ["viewer download"] = viewed + viewedEscaped,
                ["admin API download"] = byApi,
                ["report findings"] = report,
                ["repair plan"] = planned,
                ["audit trail"] = audit,
                ["server log"] = log.Text,
            };
            Assert.All(shown, s =>
                Assert.All(Secrets, secret => Assert.False(s.Value.Contains(secret, StringComparison.Ordinal), $"{secret} in the {s.Key}"))
            );
            Assert.Contains(PipToken, raw, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
