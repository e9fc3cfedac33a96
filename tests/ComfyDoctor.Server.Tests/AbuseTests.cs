using ComfyDoctor.Agent.Demo;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 16, case 9: guessing the enroll token meets a rate limit per address, an audit record and a log line (never the
/// token); a relayed blob is only for a running repair of the asking worker that needs it — anything else is 403 and audited.
/// </summary>
public sealed class AbuseTests
{
    [Fact]
    public async Task Wrong_enroll_tokens_meet_a_rate_limit_an_audit_record_and_a_log_line_without_the_token()
    {
        var log = new CapturedLog();
        await using var server = await TestServer.StartAsync(
            configure: o => o with { EnrollFailuresPerMinute = 5 },
            logging: log.Configure
        );
        using var anonymous = server.Client(null);
        for (var i = 0; i < 8; i++) // right tokens are never counted: a fleet enrolling at once is not slowed
        {
            Assert.Equal(
                HttpStatusCode.OK,
                (
                    await anonymous.PostAsJsonAsync(
                        "agent/v1/enroll",
                        new
                        {
                            name = $"w{i}",
                            tags = Array.Empty<string>(),
                            enrollToken = TestServer.EnrollToken,
                        }
                    )
                ).StatusCode
            );
        }

        var statuses = new List<HttpStatusCode>();
        var guesses = Enumerable.Range(0, 40).Select(i => $"guess-{i:D4}-{Guid.NewGuid():N}").ToList();
        foreach (var guess in guesses)
        {
            statuses.Add(
                (
                    await anonymous.PostAsJsonAsync(
                        "agent/v1/enroll",
                        new
                        {
                            name = "intruder",
                            tags = Array.Empty<string>(),
                            enrollToken = guess,
                        }
                    )
                ).StatusCode
            );
        }

        var right = await anonymous.PostAsJsonAsync(
            "agent/v1/enroll",
            new
            {
                name = "late",
                tags = Array.Empty<string>(),
                enrollToken = TestServer.EnrollToken,
            }
        );

        Assert.Equal(
            Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 35)),
            statuses
        );
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode); // blocked means blocked: the answer tells a guesser nothing
        Assert.Equal("60", right.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var admin = server.Admin();
        var refused = JsonDocument
            .Parse(await admin.GetStringAsync("admin/audit?size=500"))
            .RootElement.EnumerateArray()
            .Where(a =>
                a.GetProperty("action").GetString() == "worker.enroll"
                && a.GetProperty("outcome").GetString()!.StartsWith("refused", StringComparison.Ordinal)
            )
            .ToList();
        Assert.Equal(5, refused.Count);
        Assert.All(refused, a =>
            Assert.Equal(("intruder", "from=127.0.0.1"), (a.GetProperty("target").GetString(), a.GetProperty("parameters").GetString()))
        );
        var lines = log
            .Text.Split('\n')
            .Count(l => l.Contains("enrolment of 'intruder' from 127.0.0.1 refused: wrong enroll token", StringComparison.Ordinal));
        Assert.Equal(5, lines);
        Assert.Contains("127.0.0.1 sent 5 wrong enroll tokens within a minute", log.Text, StringComparison.Ordinal);
        var leaked = guesses.Count(g =>
            log.Text.Contains(g, StringComparison.Ordinal) || refused.Any(a => a.ToString().Contains(g, StringComparison.Ordinal))
        );
        Assert.Equal(0, leaked);
        Console.WriteLine(
            $"RELIABILITY enroll-guessing: attempts={guesses.Count} "
                + $"refused-401={statuses.Count(s => s == HttpStatusCode.Unauthorized)} "
                + $"limited-429={statuses.Count(s => s == HttpStatusCode.TooManyRequests)} audit-records={refused.Count} "
                + $"log-lines={lines} tokens-in-log-or-audit={leaked}"
        );
    }

    [Fact]
    public async Task A_relay_is_refused_and_audited_unless_a_running_repair_of_the_asking_worker_needs_that_model()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { RelayWait = TimeSpan.FromSeconds(2) });
        using var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        // gpu-02 holds verified copies of gpu-01's broken models
        var good = DemoInstallation.Create(Path.Combine(server.DataDir, "good"), checkpointMiB: 1);
        foreach (var file in Directory.GetFiles(good.MirrorFolder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(good.ComfyUiRoot, "models", Path.GetRelativePath(good.MirrorFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }

        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agents = new Dictionary<string, Agent.Remote.AgentClient>
        {
            ["gpu-01"] = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(server.DataDir, "gpu-01")),
            ["gpu-02"] = server.Agent("gpu-02", good.ComfyUiRoot, Path.Combine(server.DataDir, "gpu-02")),
        };
        foreach (var agent in agents.Values)
        {
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        }

        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        foreach (var agent in agents.Values)
        {
            Assert.True(await agent.PollOnceAsync(CancellationToken.None)); // gpu-02's verified models make it a peer
        }

        var held = JsonDocument
            .Parse(await admin.GetStringAsync("admin/integrity-report/gpu-02"))
            .RootElement.GetProperty("inventory")
            .GetProperty("models")
            .EnumerateArray()
            .Select(m => m.TryGetProperty("sha256", out var s) ? s.GetString() : null)
            .OfType<string>()
            .ToHashSet();
        var registry = JsonDocument
            .Parse(await admin.GetStringAsync("admin/models"))
            .RootElement.EnumerateArray()
            .Select(m => m.GetProperty("sha256").GetString()!)
            .ToList();
        var broken = JsonDocument
            .Parse(await admin.GetStringAsync("admin/integrity-report/gpu-01"))
            .RootElement.GetProperty("inventory")
            .GetProperty("models")
            .EnumerateArray()
            .Select(m => m.TryGetProperty("sha256", out var s) ? s.GetString() : null)
            .OfType<string>()
            .ToHashSet();
        var sha = registry.First(r => held.Contains(r) && !broken.Contains(r)); // one gpu-01's plan syncs from gpu-02
        using var one = server.Client((await File.ReadAllTextAsync(Path.Combine(server.DataDir, "gpu-01", "agent-credential"))).Trim());

        // An enrolled agent with no repair: refused, and the attempt is on record.
        var refused = await one.GetAsync($"agent/v1/blobs/{sha}?from=gpu-02");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(
            "no running repair of this worker needs this model",
            await refused.Content.ReadAsStringAsync(),
            StringComparison.Ordinal
        );
        var record = Assert.Single(JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray(), a =>
            a.GetProperty("action").GetString() == "relay.refused"
        );
        Assert.Equal(
            ("agent:gpu-01", sha, "from=gpu-02"),
            (
                record.GetProperty("actor").GetString(),
                record.GetProperty("target").GetString(),
                record.GetProperty("parameters").GetString()
            )
        );

        // With gpu-01's repair running (claimed, not yet run) and its confirmed plan syncing that model from gpu-02, the same
        // request passes the check and waits for gpu-02 (silent here: 504).
        (await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await one.GetAsync("agent/v1/jobs/next")).StatusCode);
        var timedOut = await one.GetAsync($"agent/v1/blobs/{sha}?from=gpu-02");
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        Assert.Contains("did not start sending", await timedOut.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Console.WriteLine("RELIABILITY relay-guard: without-repair=403 audited=1 with-running-repair=relayed(504: peer silent)");
    }
}
