using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// A state change and its audit record are one transaction: with the store refusing audit records (a trigger in the real
/// database), every state-changing admin call fails and leaves nothing behind — on SQLite and on PostgreSQL.
/// </summary>
public abstract class AuditAtomicityContract
{
    protected abstract Task<string?> DatabaseAsync();

    protected abstract string RefuseAuditSql { get; }

    [Fact]
    public async Task A_failing_audit_append_rolls_the_change_back()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin();
        var comfy = Directory.CreateTempSubdirectory("cdatom-").FullName;
        var agent = server.Agent("gpu-01", comfy, Path.Combine(comfy, "agent"));
        Assert.False(await agent.PollOnceAsync(CancellationToken.None)); // enrolled (and audited) while the store still takes records
        await WithDb(server, db => db.Database.ExecuteSqlRawAsync(RefuseAuditSql));

        var registry = "models:\n  - path: checkpoints/a.safetensors\n    sha256: " + new string('a', 64) + "\n";
        var calls = new (string Name, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("registry import", () => admin.PostAsync("admin/models", new StringContent(registry))),
            ("schedule", () => admin.PutAsJsonAsync("admin/schedule", new { cron = "0 3 * * *" })),
            ("workflow", () =>
                admin.PostAsync("admin/workflows?name=w", new StringContent("{\"1\": {\"class_type\": \"KSampler\", \"inputs\": {}}}"))
            ),
            ("scan request", () => admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-01" } })),
        };
        foreach (var (name, call) in calls)
        {
            using var response = await call();
            Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{name}: {response.StatusCode}");
        }

        await WithDb(server, async db =>
        {
            Assert.Equal(0, await db.ModelChecksums.CountAsync());
            Assert.Equal(0, await db.Schedules.CountAsync());
            Assert.Equal(0, await db.Workflows.CountAsync());
            Assert.Equal(0, await db.Jobs.CountAsync());
            Assert.Equal(0, await db.Scans.CountAsync());
            Assert.Equal(1, await db.Audit.CountAsync()); // the enrolment only
            return 0;
        });
        var verify = await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify");
        Assert.True(verify.GetProperty("intact").GetBoolean(), verify.ToString()); // nor did the anchor move past the chain
        Directory.Delete(comfy, recursive: true);
    }

    private static async Task WithDb(TestServer server, Func<Store.ComfyDoctorDb, Task<int>> action)
    {
        using var scope = server.App.Services.CreateScope();
        await action(scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>());
    }
}

public sealed class SqliteAuditAtomicityTests : AuditAtomicityContract
{
    protected override string RefuseAuditSql =>
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store refused'); END";

    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditAtomicityTests(Postgres postgres) : AuditAtomicityContract
{
    protected override string RefuseAuditSql =>
        "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit store refused'; END $$ LANGUAGE plpgsql;"
        + " CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()";

    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
