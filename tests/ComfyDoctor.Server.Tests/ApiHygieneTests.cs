using System.Security.Cryptography;
using System.Text;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Core.Protocol;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 9, cases 12 and 14: every GET route leaves the store as it was; oversized and hostile bodies are refused; no
/// secret reaches the server's log or a report.
/// </summary>
public sealed class ApiHygieneTests
{
    /// <summary>Agent GETs that act by design on the calling agent's own work: the long poll claims a job, a blob
    /// request asks a peer to upload. Everything else must be a pure read.</summary>
    private static readonly string[] AgentActions = ["/agent/v1/jobs/next", "/agent/v1/blobs/{sha256}"];

    [Fact]
    public async Task No_GET_route_changes_the_store_and_no_secret_reaches_the_log_or_a_report()
    {
        var log = new CapturedLog();
        await using var server = await TestServer.StartAsync(logging: log.Configure);
        using var work = new TempWork();
        var demo = DemoInstallation.Create(work.Combine("demo"), checkpointMiB: 1);
        using var admin = server.Admin();
        (
            await admin.PostAsync("admin/models", new StringContent(await File.ReadAllTextAsync(demo.RegistryFile)))
        ).EnsureSuccessStatusCode();
        var agent = server.Agent("gpu-01", demo.ComfyUiRoot, work.Combine("agent"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None));
        var scan = await (await admin.PostAsJsonAsync("admin/integrity-scan", new { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(await agent.PollOnceAsync(CancellationToken.None));
        (await admin.PutAsJsonAsync("admin/schedule", new { cron = "0 3 * * *" })).EnsureSuccessStatusCode();
        (
            await admin.PostAsync("admin/workflows?name=w", new StringContent("{\"1\": {\"class_type\": \"KSampler\", \"inputs\": {}}}"))
        ).EnsureSuccessStatusCode();
        var values = new Dictionary<string, string>
        {
            ["worker"] = "gpu-01",
            ["id"] = scan[0].GetProperty("scanId").GetString()!,
            ["name"] = "w",
            ["repairId"] = "none",
            ["sha256"] = new string('a', 64),
        };

        var before = await FingerprintAsync(server);
        var routes = GetRoutes(server).Where(r => !AgentActions.Contains(r)).ToList();
        var credential = await File.ReadAllTextAsync(Path.Combine(work.Combine("agent"), "agent-credential"));
        foreach (var route in routes)
        {
            var path = string.Join(
                '/',
                route
                    .Split('/')
                    .Select(s =>
                        s.StartsWith('{') ? Uri.EscapeDataString(values.GetValueOrDefault(s.Trim('{', '}', '?').Split(':')[0], "x")) : s
                    )
            );
            foreach (var token in new[] { TestServer.AdminToken, credential.Trim() })
            {
                using var client = server.Client(token);
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3)); // event streams end here
                try
                {
                    using var response = await client.GetAsync(path.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    AssertNoSecret(body, $"GET {path}", credential.Trim());
                }
                catch (OperationCanceledException)
                {
                    // a stream that was still open: what it sent is not state
                }
            }
        }

        Assert.Equal(before, await FingerprintAsync(server));
        Assert.True(routes.Count >= 15, $"only {routes.Count} GET routes found");
        AssertNoSecret(log.Text, "the server log", credential.Trim());
        Assert.True(log.Lines > 0);
        Console.WriteLine(
            $"RELIABILITY get-routes: routes={routes.Count} calls={routes.Count * 2} state-changes=0 log-lines={log.Lines} secrets-in-log=0"
        );
    }

    [Fact]
    public async Task Oversized_and_hostile_workflow_uploads_are_refused_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { MaxWorkflowBytes = 256 << 10 });
        using var admin = server.Admin();

        HttpStatusCode? status;
        try
        {
            status = (await admin.PostAsync("admin/workflows?name=big", new ByteArrayContent(new byte[1 << 20]))).StatusCode;
        }
        catch (HttpRequestException)
        {
            status = null; // Kestrel stopped reading and closed the connection mid-upload
        }

        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"an oversized workflow got {status}");
        Assert.Equal(16L << 20, new ServerOptions("http://x", null, "d").MaxWorkflowBytes);

        var hostile = new Dictionary<string, string>
        {
            ["deep"] = "{\"nodes\": [" + new string('[', 5000) + new string(']', 5000) + "]}",
            ["malformed"] = "{\"nodes\": [1,,",
            ["list"] = "[1, 2, 3]",
        };
        foreach (var (name, json) in hostile)
        {
            var response = await admin.PostAsync(
                $"admin/workflows?name={name}",
                new StringContent(json, Encoding.UTF8, "application/json")
            );
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.StartsWith($"{name}: ", ProblemText.Of(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("admin/workflows")).EnumerateArray());
        // Kestrel's default for every route
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PostLargeAsync(admin, "admin/models", 31_000_000));
    }

    private static async Task<HttpStatusCode?> PostLargeAsync(HttpClient client, string path, int bytes)
    {
        try
        {
            using var content = new ByteArrayContent(new byte[bytes]);
            content.Headers.ContentLength = bytes;
            return (await client.PostAsync(path, content)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return HttpStatusCode.RequestEntityTooLarge; // refused mid-upload: the connection was closed
        }
    }

    private static void AssertNoSecret(string text, string where, string credential)
    {
        foreach (
            var (name, secret) in new[]
            {
                ("admin token", TestServer.AdminToken),
                ("enroll token", TestServer.EnrollToken),
                ("agent credential", credential),
            }
        )
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} contains the {name}");
        }
    }

    private static List<string> GetRoutes(TestServer server) =>
        [
            .. server
                .App.Services.GetRequiredService<EndpointDataSource>()
                .Endpoints.OfType<RouteEndpoint>()
                .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
                .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
                .Distinct()
                .Order(StringComparer.Ordinal),
        ];

    /// <summary>Every row of every table, hashed: equal fingerprints mean an unchanged store.</summary>
    private static async Task<string> FingerprintAsync(TestServer server)
    {
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
        var all = new object[]
        {
            await db.Workers.AsNoTracking().OrderBy(x => x.Id).ToListAsync(),
            await db.Jobs.AsNoTracking().OrderBy(x => x.Id).ToListAsync(),
            await db.Scans.AsNoTracking().OrderBy(x => x.Id).ToListAsync(),
            await db.ModelChecksums.AsNoTracking().OrderBy(x => x.Identity).ToListAsync(),
            await db.Audit.AsNoTracking().OrderBy(x => x.Seq).ToListAsync(),
            await db.Workflows.AsNoTracking().OrderBy(x => x.Id).ToListAsync(),
            await db.Schedules.AsNoTracking().OrderBy(x => x.Id).ToListAsync(),
        };
        return Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(all)));
    }

    private sealed class TempWork : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cdhyg-").FullName;

        public string Combine(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
