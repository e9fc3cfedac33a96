using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Kind and family through the server, once on SQLite and once on PostgreSQL: a registry file's kind and family are
/// stored (migration 006) and served; a scan judges them against the headers (model.architecture-mismatch) and the
/// folders (model.misplaced); adopting a worker's models fills them from the headers.
/// </summary>
public abstract class ArchitectureFlowContract
{
    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task Registry_kind_and_family_are_stored_judged_against_headers_and_filled_by_adopt()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        var work = Path.Combine(Path.GetTempPath(), "cdarch-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var models = Path.Combine(work, "ComfyUI", "models");
            var sdxlLora = WriteLora(
                Path.Combine(models, "loras", "sdxl_detail.safetensors"),
                "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k",
                2048
            );
            WriteLora(
                Path.Combine(models, "checkpoints", "sd15_style.safetensors"),
                "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k",
                768
            );
            using var admin = server.Admin();
            var registry = $"models:\n  - path: loras/sdxl_detail.safetensors\n    sha256: {sdxlLora}\n    kind: LoRA\n    family: SD1.x\n";
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models", new StringContent(registry))).StatusCode);

            var stored = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("admin/models")).EnumerateArray());
            Assert.Equal(("lora", "sd1"), (stored.GetProperty("kind").GetString(), stored.GetProperty("family").GetString()));

            // Migration 006 on a registry stored before it: the rows stay, without a kind or family until imported again.
            using (var scope = server.App.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<Store.ComfyDoctorDb>();
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE model_checksums DROP COLUMN kind");
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE model_checksums DROP COLUMN family");
                await db.Database.ExecuteSqlRawAsync("DELETE FROM schema_version WHERE version = 6");
                Assert.Equal([6], await Store.MigrationRunner.ApplyAsync(db, CancellationToken.None));
            }

            var migrated = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("admin/models")).EnumerateArray());
            Assert.Equal(sdxlLora, migrated.GetProperty("sha256").GetString());
            Assert.False(migrated.TryGetProperty("kind", out var none) && none.ValueKind != JsonValueKind.Null);
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models", new StringContent(registry))).StatusCode);

            var agent = server.Agent("gpu-01", Path.Combine(work, "ComfyUI"), Path.Combine(work, "agent"));
            await agent.PollOnceAsync(CancellationToken.None);
            await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "gpu-01" } });
            Assert.True(await agent.PollOnceAsync(CancellationToken.None));

            var report = await admin.GetFromJsonAsync<JsonElement>("admin/integrity-report/gpu-01");
            var findings = report
                .GetProperty("findings")
                .EnumerateArray()
                .Select(f =>
                    (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString(), f.GetProperty("severity").GetString())
                )
                .ToList();
            Assert.Contains(("model.architecture-mismatch", "loras/sdxl_detail.safetensors", "error"), findings);
            Assert.Contains(("model.misplaced", "checkpoints/sd15_style.safetensors", "error"), findings);
            var files = report
                .GetProperty("inventory")
                .GetProperty("models")
                .EnumerateArray()
                .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("format").GetProperty("architecture"));
            Assert.Equal("sdxl", files["loras/sdxl_detail.safetensors"].GetProperty("family").GetString());

            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("admin/models/adopt/gpu-01", null)).StatusCode);
            var adopted = (await admin.GetFromJsonAsync<JsonElement>("admin/models"))
                .EnumerateArray()
                .ToDictionary(
                    m => m.GetProperty("identity").GetString()!,
                    m => (m.GetProperty("kind").GetString(), m.GetProperty("family").GetString())
                );
            Assert.Equal(("lora", "sdxl"), adopted["loras/sdxl_detail.safetensors"]);
            Assert.Equal(("lora", "sd1"), adopted["checkpoints/sd15_style.safetensors"]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A small LoRA laid out as kohya writes one: a down/up pair on one cross-attention layer. Returns its SHA-256.</summary>
    private static string WriteLora(string path, string layer, int contextWidth)
    {
        const int rank = 4;
        var header =
            $"{{\"{layer}.lora_down.weight\":{{\"dtype\":\"F16\",\"shape\":[{rank},{contextWidth}],\"data_offsets\":[0,"
            + $"{rank * contextWidth * 2}]}},"
            + $"\"{layer}.lora_up.weight\":{{\"dtype\":\"F16\",\"shape\":[320,{rank}],\"data_offsets\":[{rank * contextWidth * 2},"
            + $"{(rank * contextWidth * 2) + (320 * rank * 2)}]}}}}";
        var json = Encoding.UTF8.GetBytes(header.PadRight((header.Length + 7) / 8 * 8));
        var bytes = new byte[8 + json.Length + (rank * contextWidth * 2) + (320 * rank * 2)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}

public sealed class SqliteArchitectureFlowTests : ArchitectureFlowContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresArchitectureFlowTests(Postgres postgres) : ArchitectureFlowContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
