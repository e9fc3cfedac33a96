using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Tests.Support;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 20.4: an agent re-reports its models as a change against the last result the server stored; what the server
/// stores is what a whole report stores, and a server without the base asks for every model.
/// </summary>
public sealed class IncrementalReportTests
{
    [Fact]
    public async Task A_second_scan_goes_as_a_change_and_is_stored_exactly_as_a_whole_report_would_be()
    {
        await using var server = await TestServer.StartAsync();
        using var work = new TempDir();
        for (var i = 0; i < 150; i++)
        {
            work.WriteText($"ComfyUI/models/loras/l{i:D3}.safetensors", $"lora {i}");
        }

        var sent = new ResultBodies();
        var agent = server.Agent("gpu-01", work.Combine("ComfyUI"), work.Combine("agent"), sent);
        await ScanAsync(server, agent, "gpu-01");
        File.Delete(work.Combine("ComfyUI", "models", "loras", "l010.safetensors"));
        work.WriteText("ComfyUI/models/loras/l020.safetensors", "lora 20, retrained");
        File.SetLastWriteTimeUtc(work.Combine("ComfyUI", "models", "loras", "l020.safetensors"), DateTime.UtcNow.AddMinutes(1));
        work.WriteText("ComfyUI/models/loras/new.safetensors", "a new lora");
        var changed = await ScanAsync(server, agent, "gpu-01");

        Assert.Equal(2, sent.Bodies.Count);
        Assert.Null(sent.Bodies[0]["modelsDelta"]);
        Assert.NotNull(sent.Bodies[1]["modelsDelta"]);
        Assert.Empty(sent.Bodies[1]["inventory"]!["models"]!.AsArray());
        Assert.True(sent.Sizes[1] * 4 < sent.Sizes[0], $"the change took {sent.Sizes[1]:N0} bytes, the whole list {sent.Sizes[0]:N0}");
        Assert.Equal(150, changed.AsArray().Count);
        Assert.DoesNotContain(changed.AsArray(), m => m!["identity"]!.GetValue<string>() == "loras/l010.safetensors");

        // A fresh agent (no base in memory) sends every model: the stored lists are the same.
        var whole = new ResultBodies();
        var restarted = server.Agent("gpu-01", work.Combine("ComfyUI"), work.Combine("agent"), whole);
        var full = await ScanAsync(server, restarted, "gpu-01");
        Assert.Null(whole.Bodies.Single()["modelsDelta"]);
        Assert.Equal(full.ToJsonString(), changed.ToJsonString());
    }

    [Fact]
    public async Task A_change_against_a_base_the_server_does_not_hold_is_refused_and_the_job_stays_open()
    {
        await using var server = await TestServer.StartAsync();
        using var work = new TempDir();
        work.WriteText("ComfyUI/models/loras/a.safetensors", "a");
        var agent = server.Agent("gpu-01", work.Combine("ComfyUI"), work.Combine("agent"));
        await ScanAsync(server, agent, "gpu-01");
        var other = server.Agent("gpu-02", work.Combine("ComfyUI"), work.Combine("agent-2"));
        var otherJob = await ScanAsync(server, other, "gpu-02", jobOf: true);

        using var admin = server.Admin();
        using var client = server.Client((await File.ReadAllTextAsync(work.Combine("agent", "agent-credential"))).Trim());
        await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-01" } });
        var id = (await client.GetFromJsonAsync<JsonElement>("agent/v1/jobs/next")).GetProperty("id").GetString();
        var inventory = new WorkerInventory("gpu-01", DateTimeOffset.UtcNow, [], [], [], EnvironmentFacts.Unknown);
        var models = new List<ModelFile>();
        foreach (var baseJob in new[] { "no-such-job", otherJob.ToString() })
        {
            var delta = new InventoryDelta(baseJob, [new DeltaRun(0, 0, [])], ModelListDelta.Digest(models));
            var refused = await client.PostAsJsonAsync(
                $"agent/v1/jobs/{id}/result",
                new JobResult(inventory, null) { ModelsDelta = delta },
                ReportJson.Options
            );
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:comfydoctor:problem:result-base-unknown", problem.GetProperty("type").GetString());
        }

        Assert.Equal("running", (await admin.GetFromJsonAsync<JsonElement>($"admin/jobs/{id}")).GetProperty("status").GetString());
    }

    /// <summary>Queues a scan of the agent's worker, lets the agent run it, and returns the stored models (or the job id).</summary>
    private static async Task<JsonNode> ScanAsync(TestServer server, Agent.Remote.AgentClient agent, string name, bool jobOf = false)
    {
        using var admin = server.Admin();
        if (!(await admin.GetStringAsync("admin/workers")).Contains($"\"{name}\"", StringComparison.Ordinal))
        {
            Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrols; nothing queued for it yet
        }

        var started = await (
            await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { name } })
        ).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        if (jobOf)
        {
            return JsonValue.Create(started[0].GetProperty("jobId").GetString())!;
        }

        var report = JsonNode.Parse(await admin.GetStringAsync($"admin/integrity-report/{name}?limit=1000"))!;
        return report["inventory"]!["models"]!.DeepClone();
    }

    /// <summary>Sees each result an agent posts (a pass-through handler: the request goes to the real server).</summary>
    private sealed class ResultBodies() : DelegatingHandler(new HttpClientHandler())
    {
        public List<JsonNode> Bodies { get; } = [];

        public List<int> Sizes { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/result", StringComparison.Ordinal))
            {
                var body = await request.Content!.ReadAsByteArrayAsync(ct);
                Bodies.Add(JsonNode.Parse(body)!);
                Sizes.Add(body.Length);
            }

            return await base.SendAsync(request, ct);
        }
    }
}
