using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ComfyDoctor.Cli.Tests;

/// <summary>The audit trail with two real server processes on one SQLite file, and <c>audit verify</c> as a process.</summary>
public sealed class AuditProcessTests
{
    private const int AppendsPerServer = 25;

    [Fact]
    public async Task Two_server_processes_on_one_sqlite_file_append_one_unbroken_chain_and_verify_reports_truncation()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "audit-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "audit-enroll-token-123456",
        };
        var database = dir.Combine("shared.db");
        var ports = new[] { FleetProcessTests.FreePort(), FleetProcessTests.FreePort() };
        var servers = new List<System.Diagnostics.Process>();
        try
        {
            var clients = new List<HttpClient>();
            for (var i = 0; i < 2; i++)
            {
                // One after the other, so the second finds the migrations applied; then both serve the same file.
                servers.Add(
                    FleetProcessTests.Start(
                        env,
                        "server",
                        "--urls",
                        $"http://127.0.0.1:{ports[i]}",
                        "--database",
                        database,
                        "--data",
                        dir.Combine($"server{i}")
                    )
                );
                var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[i]}/") };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
                await FleetProcessTests.WaitUntilAsync(async () =>
                    (await FleetProcessTests.TryGetAsync(http, "admin/audit/verify")) is not null
                );
                clients.Add(http);
            }

            // Both processes append at once, several requests in flight on each; the first ones race to create the schedule.
            var appends = clients
                .SelectMany(
                    (http, s) =>
                        Enumerable
                            .Range(0, AppendsPerServer)
                            .Select(async i => (await http.PutAsJsonAsync("admin/schedule", new { cron = $"{i} {s} * * *" })).StatusCode)
                )
                .ToList();
            Assert.All(await Task.WhenAll(appends), status => Assert.Equal(HttpStatusCode.OK, status));

            string[] target = ["--server", $"http://127.0.0.1:{ports[0]}", "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];
            var verify = await InProcessCli.RunAsync(["audit", "verify", "--json", .. target]);
            Assert.Equal(0, verify.ExitCode);
            var answer = JsonDocument.Parse(verify.StdOut).RootElement;
            Assert.True(answer.GetProperty("intact").GetBoolean(), verify.StdOut);
            Assert.Equal(2 * AppendsPerServer, answer.GetProperty("records").GetInt32());
            Console.WriteLine(
                $"RELIABILITY audit-two-processes: processes=2 appends={2 * AppendsPerServer} "
                    + $"records={answer.GetProperty("records").GetInt32()} chain=intact"
            );

            // Server 0 appends last; then the last two records are deleted behind the servers' backs.
            Assert.Equal(HttpStatusCode.OK, (await clients[0].PutAsJsonAsync("admin/schedule", new { cron = "0 12 * * *" })).StatusCode);
            Assert.Equal(2, await ExecuteAsync(database, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)"));
            var broken = await InProcessCli.RunAsync(["audit", "verify", .. target]);
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains(
                $"AUDIT TRAIL BROKEN: the chain ends at record {(2 * AppendsPerServer) - 1} but",
                broken.StdOut,
                StringComparison.Ordinal
            );
            Assert.Contains(
                $"names record {(2 * AppendsPerServer) + 1}: the last records were deleted",
                broken.StdOut,
                StringComparison.Ordinal
            );
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Kill(entireProcessTree: true);
                server.Dispose();
            }
        }
    }

    private static async Task<int> ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }
}
