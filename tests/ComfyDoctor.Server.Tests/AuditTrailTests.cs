using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>What the audit trail records (refused attempts included) and what its verification catches in the real store.</summary>
public sealed class AuditTrailTests
{
    [Fact]
    public async Task Refused_admin_actions_are_recorded_with_their_reason()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("admin/schedule", new { cron = "now and then" })).StatusCode);
        Assert.Equal(
            HttpStatusCode.NotFound,
            (await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "ghost" } })).StatusCode
        );
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("admin/models", new StringContent("models: [1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("admin/models/adopt/ghost", null)).StatusCode);

        var trail = (await admin.GetFromJsonAsync<JsonElement>("admin/audit")).EnumerateArray().ToList();
        Assert.Equal(
            ["schedule.set", "scan.request", "registry.import", "registry.adopt"],
            trail.Select(r => r.GetProperty("action").GetString())
        );
        Assert.All(trail, r => Assert.StartsWith("refused: ", r.GetProperty("outcome").GetString(), StringComparison.Ordinal));
        Assert.All(trail, r => Assert.Equal("admin", r.GetProperty("actor").GetString()));
        Assert.Contains("unknown workers: ghost", trail[1].GetProperty("outcome").GetString(), StringComparison.Ordinal);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task A_deleted_record_and_swapped_records_break_the_chain()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        for (var i = 0; i < 4; i++)
        {
            await admin.PutAsJsonAsync("admin/schedule", new { cron = $"{i} 3 * * *" });
        }

        await WithDb(server, db => db.Audit.Where(a => a.Seq == 2).ExecuteDeleteAsync());
        var deleted = await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify");
        Assert.False(deleted.GetProperty("intact").GetBoolean());
        Assert.Contains("record 3", deleted.GetProperty("problem").GetString(), StringComparison.Ordinal);

        await using var other = await TestServer.StartAsync();
        using var otherAdmin = other.Admin();
        for (var i = 0; i < 3; i++)
        {
            await otherAdmin.PutAsJsonAsync("admin/schedule", new { cron = $"{i} 4 * * *" });
        }

        // Swap the contents of records 1 and 2, each with its own hashes: the order no longer chains.
        await WithDb(other, async db =>
        {
            var rows = await db.Audit.AsNoTracking().OrderBy(a => a.Seq).ToListAsync();
            await db
                .Audit.Where(a => a.Seq == 1)
                .ExecuteUpdateAsync(s =>
                    s.SetProperty(a => a.Parameters, rows[1].Parameters)
                        .SetProperty(a => a.At, rows[1].At)
                        .SetProperty(a => a.PrevHash, rows[1].PrevHash)
                        .SetProperty(a => a.Hash, rows[1].Hash)
                );
            return await db
                .Audit.Where(a => a.Seq == 2)
                .ExecuteUpdateAsync(s =>
                    s.SetProperty(a => a.Parameters, rows[0].Parameters)
                        .SetProperty(a => a.At, rows[0].At)
                        .SetProperty(a => a.PrevHash, rows[0].PrevHash)
                        .SetProperty(a => a.Hash, rows[0].Hash)
                );
        });
        Assert.False((await otherAdmin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task Deleting_the_last_records_is_reported_as_truncation_against_the_anchor()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        for (var i = 0; i < 4; i++)
        {
            await admin.PutAsJsonAsync("admin/schedule", new { cron = $"{i} 5 * * *" });
        }

        var anchor = Path.Combine(server.DataDir, Audit.AuditAnchor.FileName);
        Assert.StartsWith("4 ", await File.ReadAllTextAsync(anchor), StringComparison.Ordinal);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("intact").GetBoolean());

        // The chain that is left (records 1 and 2) is intact by itself: only the anchor shows what is missing.
        await WithDb(server, db => db.Audit.Where(a => a.Seq > 2).ExecuteDeleteAsync(), expected: 2);
        var truncated = await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify");
        Assert.False(truncated.GetProperty("intact").GetBoolean());
        Assert.Equal(
            $"the chain ends at record 2 but {anchor} names record 4: the last records were deleted",
            truncated.GetProperty("problem").GetString()
        );

        // Everything deleted: still caught.
        await WithDb(server, db => db.Audit.ExecuteDeleteAsync(), expected: 2);
        Assert.Contains(
            "ends at record 0",
            (await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify")).GetProperty("problem").GetString(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task A_rewritten_last_record_with_a_fresh_hash_is_caught_by_the_anchor()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = server.Admin();
        await admin.PutAsJsonAsync("admin/schedule", new { cron = "0 6 * * *" });
        await admin.PutAsJsonAsync("admin/schedule", new { cron = "0 7 * * *" });

        // Whoever edits the last record and recomputes its hash keeps the chain consistent, but not the anchor.
        await WithDb(server, async db =>
        {
            var last = await db.Audit.AsNoTracking().SingleAsync(a => a.Seq == 2);
            var hash = Core.Audit.AuditChain.Hash(
                last.Seq,
                last.At,
                last.Actor,
                last.Action,
                last.Target,
                "cron=harmless",
                last.Outcome,
                last.PrevHash
            );
            return await db
                .Audit.Where(a => a.Seq == 2)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Parameters, "cron=harmless").SetProperty(a => a.Hash, hash));
        });
        var verify = await admin.GetFromJsonAsync<JsonElement>("admin/audit/verify");
        Assert.False(verify.GetProperty("intact").GetBoolean());
        Assert.Contains("record 2 differs from the head anchored in", verify.GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    private static async Task WithDb(TestServer server, Func<Store.ComfyDoctorDb, Task<int>> change, int expected = 1)
    {
        using var scope = server.App.Services.CreateScope();
        Assert.Equal(expected, await change(scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>()));
    }
}
