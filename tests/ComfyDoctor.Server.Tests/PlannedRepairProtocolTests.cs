using System.Security.Cryptography;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 14, 4: the wire of planned repairs. An agent that predates them cannot run one wrongly (it refuses a kind it does
/// not know, and the job says what to do); a result whose actions are not the confirmed plan's is refused.
/// </summary>
public sealed class PlannedRepairProtocolTests
{
    /// <summary>The job record of agents before planned repairs (commit 3f499d7): a repair came as <c>repair</c>.</summary>
    private sealed record JobBeforePlans(string Id, string Kind, JsonElement? Scan, JsonElement? Repair = null, JsonElement? Upload = null);

    [Fact]
    public async Task An_agent_that_predates_planned_repairs_refuses_the_job_and_nothing_changes()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, raw, demo) = await ScannedWorkerAsync(server);
        using var _ = admin;
        using var __ = raw;
        var lora = Path.Combine(demo.ComfyUiRoot, "models", "loras", "detail-tweaker.safetensors");
        var before = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(lora)));
        var started = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;

        var json = await raw.GetStringAsync("agent/v1/jobs/next");
        var old = JsonSerializer.Deserialize<JobBeforePlans>(json, ReportJson.Options)!;
        Assert.Equal((jobId, AgentProtocol.PlannedRepairJob), (old.Id, old.Kind));
        Assert.Null(old.Repair); // nothing an old agent could plan from: it matches none of its job kinds
        // ... and answers as its default case does.
        (
            await raw.PostAsJsonAsync(
                $"agent/v1/jobs/{jobId}/result",
                new JobResult(null, $"this agent does not know jobs of kind '{old.Kind}'"),
                ReportJson.Options
            )
        ).EnsureSuccessStatusCode();

        var job = JsonDocument.Parse(await admin.GetStringAsync($"admin/jobs/{jobId}")).RootElement;
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("predates planned repairs", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("upgrade the agent", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(lora))));
    }

    [Fact]
    public async Task A_result_whose_actions_are_not_the_confirmed_plan_s_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, raw, demo) = await ScannedWorkerAsync(server);
        using var _ = admin;
        using var __ = raw;
        var (jobId, job, inventory) = await ClaimedRepairAsync(admin, raw, demo);
        var plan = job.PlannedRepair!.Plan;
        Assert.NotEmpty(plan.Actions);
        var results = plan
            .Actions.Select(a => new ActionResult(a.Kind, a.Subject, ActionStates.Done, null, null, null, "done", [], 0))
            .ToList();
        var extra = new JobResult(inventory, null)
        {
            Repair = new RepairOutcome(
                plan,
                [.. results, new ActionResult("sync-model", "loras/extra.safetensors", ActionStates.Done, null, null, null, "", [], 0)]
            )
            {
                PlanId = job.PlannedRepair.PlanId,
            },
        };
        var refused = await raw.PostAsJsonAsync($"agent/v1/jobs/{jobId}/result", extra, ReportJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not the confirmed plan's", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var otherPlan = extra with { Repair = new RepairOutcome(plan, results) { PlanId = "another" } };
        Assert.Equal(
            HttpStatusCode.BadRequest,
            (await raw.PostAsJsonAsync($"agent/v1/jobs/{jobId}/result", otherPlan, ReportJson.Options)).StatusCode
        );
        var right = extra with { Repair = new RepairOutcome(plan, results) { PlanId = job.PlannedRepair.PlanId } };
        Assert.Equal(
            HttpStatusCode.NoContent,
            (await raw.PostAsJsonAsync($"agent/v1/jobs/{jobId}/result", right, ReportJson.Options)).StatusCode
        );
    }

    [Fact]
    public async Task An_agent_s_failure_text_with_credentials_reaches_the_audit_trail_as_stars()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, raw, demo) = await ScannedWorkerAsync(server);
        using var _ = admin;
        using var __ = raw;
        var (jobId, job, inventory) = await ClaimedRepairAsync(admin, raw, demo);
        var plan = job.PlannedRepair!.Plan;
        const string Secret = "s3cr3t-deploy-token";
        var results = plan
            .Actions.Select(a => new ActionResult(
                a.Kind,
                a.Subject,
                ActionStates.Failed,
                $"https://fetch:{Secret}@mirror.corp.test/models",
                null,
                null,
                $"fatal: unable to access 'https://deploy:{Secret}@git.corp.test/x.git/': 403",
                [],
                0
            ))
            .ToList();
        var result = new JobResult(inventory, null) { Repair = new RepairOutcome(plan, results) { PlanId = job.PlannedRepair.PlanId } };
        Assert.Equal(
            HttpStatusCode.NoContent,
            (await raw.PostAsJsonAsync($"agent/v1/jobs/{jobId}/result", result, ReportJson.Options)).StatusCode
        );

        var audit = await admin.GetStringAsync("admin/audit?size=500");
        Assert.DoesNotContain(Secret, audit, StringComparison.Ordinal);
        Assert.Contains("https://***@git.corp.test/x.git/", audit, StringComparison.Ordinal);
        Assert.Contains("source=https://***@mirror.corp.test/models", audit, StringComparison.Ordinal);
    }

    /// <summary>A sync-models repair of gpu-01 requested and claimed as its agent, with the inventory its result reports.</summary>
    private static async Task<(string JobId, AgentJob Job, WorkerInventory Inventory)> ClaimedRepairAsync(
        HttpClient admin,
        HttpClient raw,
        DemoInstallation.Demo demo
    )
    {
        var started = JsonDocument
            .Parse(
                await (
                    await admin.PostAsJsonAsync("admin/repair/gpu-01", new { actions = new[] { "sync-models" } })
                ).Content.ReadAsStringAsync()
            )
            .RootElement;
        var jobId = started.GetProperty("jobs")[0].GetProperty("jobId").GetString()!;
        var job = JsonSerializer.Deserialize<AgentJob>(await raw.GetStringAsync("agent/v1/jobs/next"), ReportJson.Options)!;
        var inventory = await new WorkerScanner().ScanAsync(
            new ScanOptions(demo.ComfyUiRoot, [], false, 2, null, null, "gpu-01"),
            null,
            CancellationToken.None
        );
        return (jobId, job, inventory);
    }

    private static async Task<(HttpClient Admin, HttpClient Raw, DemoInstallation.Demo Demo)> ScannedWorkerAsync(TestServer server)
    {
        var admin = server.Admin();
        var demo = DemoInstallation.Create(Path.Combine(server.DataDir, "demo"), checkpointMiB: 1);
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agent = server.Agent("gpu-01", demo.ComfyUiRoot, Path.Combine(server.DataDir, "a1"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).EnsureSuccessStatusCode();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        var credential = await File.ReadAllTextAsync(Path.Combine(server.DataDir, "a1", "agent-credential"));
        return (admin, server.Client(credential.Trim()), demo);
    }
}
