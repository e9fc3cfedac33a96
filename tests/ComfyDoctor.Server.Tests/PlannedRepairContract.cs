using System.Security.Cryptography;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 14, 4 — a repair is planned once, end to end with real agents, files and git checkouts: the plan the admin
/// confirms (by id and version) is exactly the plan the agent runs; what moved on the worker between plan and run is
/// "changed since planned" and left as it is; the result offers a fresh plan made from the verifying scan.
/// </summary>
public abstract class PlannedRepairContract
{
    private const string Lora = "loras/detail-tweaker.safetensors";
    private const string Vae = "vae/sdxl_vae.safetensors";
    private const string T5 = "text_encoders/t5xxl_fp8_e4m3fn.safetensors";
    private const string Checkpoint = "checkpoints/sd15/dreamshaper_8.safetensors";

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task The_confirmed_plan_is_the_plan_run_and_models_changed_since_are_left_alone()
    {
        var work = Path.Combine(Path.GetTempPath(), "cdplanned-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var fleet = DemoFleet.Create(work);
            await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o =>
                o with
                {
                    ModelMirrors = [ModelMirror.Parse("demo=" + Path.Combine(work, "gpu-01", "mirror"))],
                }
            );
            using var admin = server.Admin();
            (
                await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(fleet.RegistryFile)))
            ).EnsureSuccessStatusCode();
            var comfy = fleet.Workers[0].ComfyUiRoot;
            var agent = server.Agent("gpu-01", comfy, Path.Combine(work, "a1"));
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var shown = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" }, dryRun = true }),
                HttpStatusCode.OK
            );
            var planId = shown.GetProperty("planId").GetString()!;
            var version = shown.GetProperty("planVersion").GetString()!;
            var planned = shown.GetProperty("plan").GetProperty("actions").EnumerateArray().Select(a => (Kind(a), Subject(a))).ToList();
            Assert.Equal(new[] { Lora, T5, Vae }, planned.Select(p => p.Item2).Order(StringComparer.Ordinal));
            var stored = JsonDocument.Parse(await admin.GetStringAsync($"admin/repair-plans/{planId}")).RootElement;
            Assert.Equal(version, stored.GetProperty("version").GetString());
            var storedActions = stored.GetProperty("plans")[0].GetProperty("plan").GetProperty("actions").EnumerateArray();
            Assert.Equal(planned, storedActions.Select(a => (Kind(a), Subject(a))));

            // Between plan and run the worker moves: the planned LoRA is rewritten by hand, the missing T5 appears, and a
            // checkpoint that was fine is damaged (a plan made now would fetch it; the confirmed one does not).
            var lora = Path.Combine(comfy, "models", Lora);
            var t5 = Path.Combine(comfy, "models", T5);
            var checkpoint = Path.Combine(comfy, "models", Checkpoint);
            await File.WriteAllBytesAsync(lora, [.. await File.ReadAllBytesAsync(lora), 1, 2, 3]);
            Directory.CreateDirectory(Path.GetDirectoryName(t5)!);
            await File.WriteAllTextAsync(t5, "someone else's download");
            var handEdited = HashOf(lora);
            var damaged = await File.ReadAllBytesAsync(checkpoint);
            damaged[^1] ^= 0xFF;
            await File.WriteAllBytesAsync(checkpoint, damaged);

            var wrong = await admin.PostAsJsonAsync($"admin/repair-plans/{planId}/confirm", new { version = new string('0', 64) });
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode); // not the plan that was shown
            var started = await Json(
                await admin.PostAsJsonAsync($"admin/repair-plans/{planId}/confirm", new { version }),
                HttpStatusCode.Accepted
            );
            Assert.Equal(planId, started.GetProperty("planId").GetString());
            var again = await admin.PostAsJsonAsync($"admin/repair-plans/{planId}/confirm", new { version });
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode); // a plan runs once
            Assert.Contains("already confirmed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString();
            var job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
            Assert.Equal("done", job.GetProperty("status").GetString());
            var result = job.GetProperty("result");
            var ran = result.GetProperty("outcome").GetProperty("actions").EnumerateArray().ToList();
            Assert.Equal(planned, ran.Select(a => (Kind(a), Subject(a)))); // exactly the confirmed actions, in order: no checkpoint
            Assert.Equal(planId, result.GetProperty("outcome").GetProperty("planId").GetString());
            var outcomes = ran.ToDictionary(Subject, a => a.GetProperty("outcome").GetString());
            Assert.Equal(("changed", "changed", "done"), (outcomes[Lora], outcomes[T5], outcomes[Vae]));
            Assert.Contains(
                "when planned",
                ran.First(a => Subject(a) == Lora).GetProperty("message").GetString(),
                StringComparison.Ordinal
            );
            Assert.Equal(
                new[] { Lora, T5 },
                result.GetProperty("changed").EnumerateArray().Select(c => c.GetString()).Order(StringComparer.Ordinal)
            );

            // Nothing moved was overwritten or quarantined; the checkpoint stays as damaged; the VAE is the registry's now.
            Assert.Equal(handEdited, HashOf(lora));
            Assert.Equal("someone else's download", await File.ReadAllTextAsync(t5));
            Assert.Equal(damaged, await File.ReadAllBytesAsync(checkpoint));
            var quarantine = Path.Combine(comfy, ".comfydoctor", "quarantine");
            Assert.Empty(
                Directory.Exists(quarantine) ? Directory.GetFiles(quarantine, "detail-tweaker*", SearchOption.AllDirectories) : []
            );
            var registry = JsonDocument
                .Parse(await admin.GetStringAsync("admin/models"))
                .RootElement.EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("sha256").GetString());
            Assert.Equal(registry[Vae], HashOf(Path.Combine(comfy, "models", Vae)));

            // The result offers a fresh plan, made by the server from the verifying scan: it covers what moved, and the checkpoint.
            var freshId = result.GetProperty("freshPlanId").GetString()!;
            var fresh = JsonDocument.Parse(await admin.GetStringAsync($"admin/repair-plans/{freshId}")).RootElement;
            Assert.Equal(job.GetProperty("id").GetString(), fresh.GetProperty("afterJobId").GetString());
            var freshActions = fresh.GetProperty("plans")[0].GetProperty("plan").GetProperty("actions").EnumerateArray().ToList();
            Assert.Equal(new[] { Checkpoint, Lora, T5 }, freshActions.Select(Subject).Order(StringComparer.Ordinal));
            Assert.Equal(handEdited, freshActions.First(a => Subject(a) == Lora).GetProperty("before").GetProperty("sha256").GetString());

            // The audit trail names the plan, for the request and for each action with its outcome.
            var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
            Assert.Contains(audit, a =>
                Action(a) == "repair.request"
                && Text(a, "parameters").Contains($"plan={planId}", StringComparison.Ordinal)
                && Text(a, "outcome").Contains("queued", StringComparison.Ordinal)
            );
            var actions = audit.Where(a => Action(a) == "repair.sync-model").ToList();
            Assert.Equal(3, actions.Count);
            Assert.All(actions, a => Assert.Contains($"plan={planId}", Text(a, "parameters"), StringComparison.Ordinal));
            Assert.Equal(2, actions.Count(a => Text(a, "outcome").StartsWith("changed since planned", StringComparison.Ordinal)));
            Assert.Contains(audit, a =>
                Action(a) == "repair.finish" && Text(a, "outcome").Contains($"fresh plan {freshId}", StringComparison.Ordinal)
            );
            var verified = JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement;
            Assert.True(verified.GetProperty("intact").GetBoolean());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_pack_moved_to_another_commit_since_planned_is_left_alone_and_planned_afresh()
    {
        var work = Path.Combine(Path.GetTempPath(), "cdplannedpack-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var fleet = DemoFleet.Create(work);
            await using var server = await TestServer.StartAsync(await DatabaseAsync());
            using var admin = server.Admin();
            var workflow = DemoWorkflow.Json(fleet) ?? throw new InvalidOperationException("git is needed for the demo pack");
            (await admin.PostAsync("admin/workflows?name=demo", new StringContent(workflow))).EnsureSuccessStatusCode();
            var worker = fleet.Workers[1]; // gpu-02: the pack is a commit ahead of the workflow's pin
            var agent = new AgentClient(
                new HttpClient(),
                TestServer.Options(server.Url, worker.Name, worker.ComfyUiRoot, Path.Combine(work, "a2")) with
                {
                    Repair = DemoWorkflow.RepairOptions(fleet),
                }
            );
            Assert.False(await agent.PollOnceAsync(CancellationToken.None));
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var pack = Path.Combine(worker.ComfyUiRoot, "custom_nodes", "ComfyUI-DemoPack");
            var shown = await Json(
                await admin.PostAsJsonAsync("admin/repair/gpu-02", new { actions = new[] { "install-nodes" }, dryRun = true }),
                HttpStatusCode.OK
            );
            var action = Assert.Single(shown.GetProperty("plan").GetProperty("actions").EnumerateArray());
            Assert.Equal(await HeadAsync(pack), action.GetProperty("before").GetProperty("commit").GetString());

            // Someone commits in the pack's checkout after the plan was shown: its commit moved.
            await File.AppendAllTextAsync(Path.Combine(pack, "nodes.py"), "\n# a local fix, committed by hand\n");
            await GitAsync(pack, "commit", "--quiet", "-am", "a local fix");
            var moved = await HeadAsync(pack);

            var started = await Json(
                await admin.PostAsJsonAsync(
                    $"admin/repair-plans/{shown.GetProperty("planId").GetString()}/confirm",
                    new { version = shown.GetProperty("planVersion").GetString() }
                ),
                HttpStatusCode.Accepted
            );
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));
            var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString();
            var job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
            var result = job.GetProperty("result");
            var ran = Assert.Single(result.GetProperty("outcome").GetProperty("actions").EnumerateArray());
            Assert.Equal(("install-node-pack", "changed"), (Kind(ran), ran.GetProperty("outcome").GetString()));
            Assert.Contains($"commit {moved[..12]}", ran.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(moved, await HeadAsync(pack)); // not reset to the pin
            Assert.Contains("a local fix", await File.ReadAllTextAsync(Path.Combine(pack, "nodes.py")), StringComparison.Ordinal);

            var freshId = result.GetProperty("freshPlanId").GetString();
            var fresh = JsonDocument.Parse(await admin.GetStringAsync($"admin/repair-plans/{freshId}")).RootElement;
            var again = Assert.Single(fresh.GetProperty("plans")[0].GetProperty("plan").GetProperty("actions").EnumerateArray());
            Assert.Equal(moved, again.GetProperty("before").GetProperty("commit").GetString()); // planned from the world as it is now
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> HeadAsync(string checkout) =>
        (
            await ProcessRunner.RunAsync(
                new ProcessSpec("git", ["rev-parse", "HEAD"], checkout, null, TimeSpan.FromSeconds(30)),
                CancellationToken.None
            )
        ).StdOut.Trim();

    private static async Task GitAsync(string checkout, params string[] args)
    {
        var run = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "git",
                ["-c", "user.name=test", "-c", "user.email=test@comfydoctor.invalid", "-c", "commit.gpgsign=false", .. args],
                checkout,
                null,
                TimeSpan.FromSeconds(30)
            ),
            CancellationToken.None
        );
        Assert.True(run.Succeeded, run.StdErr);
    }

    private static string Kind(JsonElement action) => action.GetProperty("kind").GetString()!;

    private static string Subject(JsonElement action) => action.GetProperty("subject").GetString()!;

    private static string Action(JsonElement record) => record.GetProperty("action").GetString()!;

    private static string Text(JsonElement record, string field) => record.GetProperty(field).GetString()!;

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string HashOf(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

public sealed class SqlitePlannedRepairTests : PlannedRepairContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPlannedRepairTests(Postgres postgres) : PlannedRepairContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
