using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Tests.Support;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 19.4 end to end with Python packages: a real server, two real agents whose ComfyUI interpreter is a real venv, one
/// ComfyUI-Manager snapshot for the tag both carry. gpu-01 has aaa 1.0 (pinned 2.0), the pack at a newer commit and a
/// torch-family xformers 0.0.27 (pinned 0.0.28); gpu-02 lacks bbb and holds a stray package. "Match snapshot" through the API
/// moves what may move — checked against each venv's own <c>pip list</c>, never the agent's word — leaves xformers and the stray
/// package, and a second restore with <c>allow-torch-family</c> moves xformers too; the last report has no package finding. A
/// restore whose pinned wheel is missing from the index undoes the pack it had moved: commit and <c>pip freeze</c> as before,
/// the failed item named, audited.
/// </summary>
public abstract class SnapshotPythonRestoreContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Two_workers_drifted_differently_are_restored_and_the_torch_family_moves_only_when_allowed()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var fleet = await PythonFleet.CreateAsync();
        using var stop = new CancellationTokenSource();
        var (comfy1, venv1) = await fleet.WorkerAsync("gpu-01", fleet.PackNew, "aaa==1.0", "bbb==1.0", "xformers==0.0.27");
        var (comfy2, venv2) = await fleet.WorkerAsync("gpu-02", fleet.PackOld, "aaa==2.0", "stray==1.0", "xformers==0.0.28");
        var agents = new[] { fleet.Agent(server.Url, "gpu-01", comfy1), fleet.Agent(server.Url, "gpu-02", comfy2) };
        using var admin = server.Admin();
        await PythonFleet.ScanAsync(admin, agents);
        var stored = await admin.PutAsync(
            "admin/snapshots/tags/test",
            new StringContent(fleet.Snapshot("aaa==2.0", "bbb==1.0", "xformers==0.0.28"))
        );
        Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());

        Assert.Equal(
            ["node.version-mismatch " + PythonFleet.PackUrl, "python.package-mismatch aaa", "python.package-mismatch xformers"],
            await FindingsAsync(admin, "gpu-01")
        );
        Assert.Equal(["python.package-mismatch bbb", "python.package-unexpected stray"], await FindingsAsync(admin, "gpu-02"));

        var dry = await PostAsync(
            admin,
            new
            {
                workers = new[] { "gpu-01", "gpu-02" },
                actions = new[] { "match-snapshot" },
                dryRun = true,
            }
        );
        var plan = PlanOf(dry, "gpu-01");
        var python = plan.GetProperty("actions")
            .EnumerateArray()
            .Single(a => a.GetProperty("kind").GetString() == "install-python-packages");
        Assert.Equal(["aaa==2.0"], python.GetProperty("python").GetProperty("packages").EnumerateArray().Select(Spec));
        Assert.All(plan.GetProperty("actions").EnumerateArray(), a => Assert.Equal("match-snapshot", a.GetProperty("unit").GetString()));
        Assert.Contains(plan.GetProperty("unresolvable").EnumerateArray(), u =>
            u.GetProperty("subject").GetString() == "xformers"
            && u.GetProperty("hint").GetString()!.Contains("allow-torch-family", StringComparison.Ordinal)
        );
        Assert.Contains(PlanOf(dry, "gpu-02").GetProperty("unresolvable").EnumerateArray(), u =>
            u.GetProperty("code").GetString() == "python.package-unexpected" && u.GetProperty("subject").GetString() == "stray"
        );

        var running = agents.Select(a => a.RunAsync(stop.Token)).ToList();
        try
        {
            var first = await RepairAsync(admin, ["gpu-01", "gpu-02"], "match-snapshot");
            Assert.Equal([("aaa", "1.0", "2.0", "installed")], Packages(first["gpu-01"]).Select(p => (p.Name, p.Before, p.After, p.State)));
            Assert.Equal([("bbb", null, "1.0", "installed")], Packages(first["gpu-02"]).Select(p => (p.Name, p.Before, p.After, p.State)));
            Assert.Equal(["done", "done"], Outcomes(first["gpu-01"])); // the pack moved back to the snapshot's commit, aaa
            Assert.Equal(["done"], Outcomes(first["gpu-02"]));

            // The venvs themselves, not the agents' word.
            var one = venv1.Snapshot();
            Assert.Equal(("2.0", "1.0", "0.0.27"), (one.VersionOf("aaa"), one.VersionOf("bbb"), one.VersionOf("xformers")));
            var two = venv2.Snapshot();
            Assert.Equal(
                ("2.0", "1.0", "0.0.28", "1.0"),
                (two.VersionOf("aaa"), two.VersionOf("bbb"), two.VersionOf("xformers"), two.VersionOf("stray"))
            );
            Assert.Equal(
                fleet.PackOld,
                await SnapshotRepos.GitAsync(Path.Combine(comfy1, "custom_nodes", "ComfyUI-Extra"), "rev-parse", "HEAD")
            );
            Assert.Equal(["python.package-mismatch xformers"], await FindingsAsync(admin, "gpu-01"));
            Assert.Equal(["python.package-unexpected stray"], await FindingsAsync(admin, "gpu-02"));

            var allowed = await RepairAsync(admin, ["gpu-01"], "match-snapshot", "allow-torch-family");
            Assert.Equal(
                [("xformers", "0.0.27", "0.0.28", "installed")],
                Packages(allowed["gpu-01"]).Select(p => (p.Name, p.Before, p.After, p.State))
            );
            Assert.Equal("0.0.28", venv1.Snapshot().VersionOf("xformers"));
            Assert.Empty(await FindingsAsync(admin, "gpu-01"));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    [Fact]
    public async Task A_restore_whose_pinned_wheel_is_missing_undoes_the_pack_it_moved_and_leaves_pip_as_it_was()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var fleet = await PythonFleet.CreateAsync();
        using var stop = new CancellationTokenSource();
        var (comfy, venv) = await fleet.WorkerAsync("gpu-01", fleet.PackNew, "aaa==1.0");
        var pack = Path.Combine(comfy, "custom_nodes", "ComfyUI-Extra");
        var agent = fleet.Agent(server.Url, "gpu-01", comfy);
        using var admin = server.Admin();
        await PythonFleet.ScanAsync(admin, [agent]);
        var stored = await admin.PutAsync("admin/snapshots/tags/test", new StringContent(fleet.Snapshot("aaa==2.0", "gone-wheel==1.0")));
        Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());
        var freeze = venv.Freeze();
        var findings = await FindingsAsync(admin, "gpu-01");

        var running = agent.RunAsync(stop.Token);
        Dictionary<string, JsonElement> ended;
        try
        {
            ended = await RepairAsync(admin, ["gpu-01"], "match-snapshot");
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var actions = ended["gpu-01"].EnumerateArray().ToList();
        Assert.Equal(["rolled-back", "failed"], actions.Select(a => a.GetProperty("outcome").GetString()));
        var failed = actions[1].GetProperty("message").GetString()!;
        Assert.Contains("gone-wheel==1.0", failed, StringComparison.Ordinal); // which item, and pip's reason
        Assert.Contains(
            $"not found in this agent's pip options (--no-index --find-links {fleet.Wheelhouse})",
            failed,
            StringComparison.Ordinal
        );
        Assert.Contains("the snapshot restore was undone: 1 action(s) rolled back", failed, StringComparison.Ordinal);
        Assert.StartsWith(
            "undone because install-python-packages python failed",
            actions[0].GetProperty("message").GetString(),
            StringComparison.Ordinal
        );
        Assert.Contains(Packages(ended["gpu-01"]), p => p is { Name: "gone-wheel", State: "failed" });

        // No half-done state: the pack's commit on disk and pip freeze are what they were; the findings too.
        Assert.Equal(fleet.PackNew, await SnapshotRepos.GitAsync(pack, "rev-parse", "HEAD"));
        Assert.Equal(freeze, venv.Freeze());
        Assert.Equal(findings, await FindingsAsync(admin, "gpu-01"));
        var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=100")).RootElement.EnumerateArray().ToList();
        string Outcome(string action) =>
            audit.First(a => a.GetProperty("action").GetString() == action).GetProperty("outcome").GetString()!;
        Assert.StartsWith("rolled-back: undone because", Outcome("repair.install-node-pack"), StringComparison.Ordinal);
        Assert.StartsWith("failed: ", Outcome("repair.install-python-packages"), StringComparison.Ordinal);
    }

    /// <summary>Starts a repair and waits for each worker's job: its actions, by worker.</summary>
    internal static async Task<Dictionary<string, JsonElement>> RepairAsync(HttpClient admin, string[] workers, params string[] actions)
    {
        var body = await PostAsync(admin, new { workers, actions });
        var ended = new Dictionary<string, JsonElement>();
        foreach (var job in body.GetProperty("jobs").EnumerateArray())
        {
            var done = await RepairFlowContract.WaitForEndAsync(admin, job.GetProperty("jobId").GetString()!);
            Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
            ended[job.GetProperty("worker").GetString()!] = done.GetProperty("result").GetProperty("outcome").GetProperty("actions");
        }

        return ended;
    }

    internal static IEnumerable<string> Outcomes(JsonElement actions) =>
        actions.EnumerateArray().Select(a => a.GetProperty("outcome").GetString()!);

    /// <summary>The per-package results of a worker's install-python-packages action, as the API gives them.</summary>
    internal static IEnumerable<(string Name, string? Before, string? After, string State)> Packages(JsonElement actions) =>
        actions
            .EnumerateArray()
            .Where(a => a.GetProperty("kind").GetString() == "install-python-packages")
            .SelectMany(a => a.GetProperty("packages").EnumerateArray())
            .Select(p => (p.GetProperty("name").GetString()!, Text(p, "before"), Text(p, "after"), p.GetProperty("state").GetString()!));

    /// <summary>The worker's snapshot findings that are not info, as <c>code subject</c>, sorted.</summary>
    internal static async Task<List<string>> FindingsAsync(HttpClient admin, string worker)
    {
        var report = JsonDocument.Parse(await admin.GetStringAsync($"admin/integrity-report/{worker}")).RootElement;
        return
        [
            .. report
                .GetProperty("findings")
                .EnumerateArray()
                .Where(f =>
                    f.GetProperty("code").GetString() is { } code
                    && (code.StartsWith("python.", StringComparison.Ordinal) || code.StartsWith("node.", StringComparison.Ordinal))
                    && f.GetProperty("severity").GetString() != "info"
                )
                .Select(f => $"{f.GetProperty("code").GetString()} {f.GetProperty("subject").GetString()}")
                .Order(StringComparer.Ordinal),
        ];
    }

    private static async Task<JsonElement> PostAsync(HttpClient admin, object body)
    {
        var response = await admin.PostAsJsonAsync("admin/repair", body);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    private static JsonElement PlanOf(JsonElement answer, string worker) =>
        (answer.ValueKind == JsonValueKind.Array ? answer : answer.GetProperty("plans"))
            .EnumerateArray()
            .Single(p => p.GetProperty("worker").GetString() == worker)
            .GetProperty("plan");

    private static string Spec(JsonElement package) =>
        $"{package.GetProperty("name").GetString()}=={package.GetProperty("version").GetString()}";

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

public sealed class SqliteSnapshotPythonRestoreTests : SnapshotPythonRestoreContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSnapshotPythonRestoreTests(Postgres postgres) : SnapshotPythonRestoreContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
