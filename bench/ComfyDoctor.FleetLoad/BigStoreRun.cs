using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// Issue 16.5: two workers with one large shared store each (<c>--models N</c>; two models differ) against a fresh server,
/// through the real agent protocol. Measures the server's resident set before and its peak while each result is stored,
/// and the time of each page an admin opens: the report API's first and last page, the dashboard's worker page and its
/// last page, the fleet page, the comparison (API and dashboard) and a dry-run repair plan. One Markdown row.
/// </summary>
public sealed class BigStoreRun(FleetOptions options, int models)
{
    public static string Header =>
        "| store | models | result MiB | store s | RSS before MiB | peak RSS MiB | report p1 ms | report last ms | worker page ms "
        + "| worker last page ms | fleet page ms | compare API ms | compare page ms | compare page KiB | repair plan ms | peak after "
        + "pages MiB |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

    public async Task<string> RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var server = new ProcessMeter(options.ServerPid, withChildren: false);
        var before = server.Memory().Rss;
        server.ResetPeak();
        var body = JsonSerializer.SerializeToUtf8Bytes(new JobResult(Store("store-01", models, differ: -1), null), Compact);
        var stored = Stopwatch.StartNew();
        await ScanAsync(http, "store-01", body, ct);
        await ScanAsync(
            http,
            "store-02",
            JsonSerializer.SerializeToUtf8Bytes(new JobResult(Store("store-02", models, differ: 7), null), Compact),
            ct
        );
        stored.Stop();
        var peak = server.Memory().Peak;
        var last = (models + 199) / 200;
        var report = await TimeAsync(http, "admin/integrity-report/store-01", ct);
        var reportLast = await TimeAsync(http, $"admin/integrity-report/store-01?modelsOffset={models - 1000}", ct);
        var worker = await TimeAsync(http, "workers/store-01", ct);
        var workerLast = await TimeAsync(http, $"workers/store-01?page={last}", ct);
        var fleet = await TimeAsync(http, "", ct);
        var compareApi = await TimeAsync(http, "admin/compare?workers=store-01,store-02", ct);
        var (comparePage, compareBytes) = await TimeWithSizeAsync(http, "compare?w=store-01&w=store-02", ct);
        var plan = Stopwatch.StartNew();
        using (
            var dry = await SendAsync(
                http,
                HttpMethod.Post,
                "admin/repair/store-02",
                options.AdminToken,
                JsonContent.Create(new { actions = SyncModels, dryRun = true }),
                ct
            )
        )
        {
            dry.EnsureSuccessStatusCode();
        }

        plan.Stop();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {options.Store} | {models:N0} | {body.Length / 1048576.0:0.0} | {stored.Elapsed.TotalSeconds / 2:0.00} | "
                + $"{before:0} | {peak:0} | {report:0} | {reportLast:0} | "
                + $"{worker:0} | {workerLast:0} | {fleet:0} | {compareApi:0} | {comparePage:0} | {compareBytes / 1024.0:0} | "
                + $"{plan.Elapsed.TotalMilliseconds:0} | {server.Memory().Peak:0} |"
        );
    }

    private static readonly string[] SyncModels = ["sync-models"];

    private static readonly JsonSerializerOptions Compact = new(ReportJson.Options) { WriteIndented = false };

    /// <summary>A shared store: N models with real-looking paths, model <paramref name="differ"/> corrupted (none when negative).</summary>
    private static WorkerInventory Store(string worker, int count, int differ) =>
        new(
            worker,
            DateTimeOffset.UtcNow,
            [new ModelRoot("checkpoints", "/mnt/shared-store/checkpoints", "extra_model_paths.yaml")],
            [
                .. Enumerable
                    .Range(0, count)
                    .Select(i =>
                    {
                        var identity = $"loras/team-{i % 40:00}/style-{i:000000}-v{i % 7}.safetensors";
                        return new ModelFile(
                            identity,
                            "/mnt/shared-store/" + identity,
                            150_000_000 + i,
                            new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
                            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity + (i == differ ? "x" : "")))),
                            FormatCheck.Ok("safetensors")
                        );
                    }),
            ],
            [],
            EnvironmentFacts.Unknown
        );

    private async Task ScanAsync(HttpClient http, string name, byte[] result, CancellationToken ct)
    {
        using var anonymous = await http.PostAsJsonAsync(
            new Uri(options.Server, "agent/v1/enroll"),
            new EnrollRequest(name, ["bench"], options.EnrollToken),
            ReportJson.Options,
            ct
        );
        var credential = (await anonymous.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct))!.Credential;
        using (
            var queued = await SendAsync(
                http,
                HttpMethod.Post,
                "admin/integrity-scan",
                options.AdminToken,
                JsonContent.Create(new { workers = new[] { name } }),
                ct
            )
        )
        {
            queued.EnsureSuccessStatusCode();
        }

        using var poll = await SendAsync(http, HttpMethod.Get, "agent/v1/jobs/next", credential, null, ct);
        var job = (await poll.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct))!;
        var content = new ByteArrayContent(result);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var stored = await SendAsync(http, HttpMethod.Post, $"agent/v1/jobs/{job.Id}/result", credential, content, ct);
        stored.EnsureSuccessStatusCode();
    }

    private async Task<double> TimeAsync(HttpClient http, string path, CancellationToken ct) =>
        (await TimeWithSizeAsync(http, path, ct)).Ms;

    private async Task<(double Ms, long Bytes)> TimeWithSizeAsync(HttpClient http, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(http, HttpMethod.Get, path, options.AdminToken, null, ct);
        var bytes = (await response.Content.ReadAsByteArrayAsync(ct)).LongLength;
        clock.Stop();
        return response.IsSuccessStatusCode ? (clock.Elapsed.TotalMilliseconds, bytes) : (-(int)response.StatusCode, bytes);
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpClient http,
        HttpMethod method,
        string path,
        string token,
        HttpContent? content,
        CancellationToken ct
    )
    {
        using var request = new HttpRequestMessage(method, new Uri(options.Server, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, ct);
    }
}
