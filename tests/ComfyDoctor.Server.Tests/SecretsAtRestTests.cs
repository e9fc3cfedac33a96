using System.Text;
using System.Text.RegularExpressions;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Security;
using Microsoft.Data.Sqlite;

namespace ComfyDoctor.Server.Tests;

/// <summary>
/// Issue 16, case 6: a local user with no rights of the server's user must not read its secrets. The data folder is 0700,
/// the SQLite database and its -wal/-shm 0600 (also when they already existed wider: narrowed, with a warning), and no
/// value in the database file signs a blob token an agent accepts (before: the key was there in plain text, and a
/// year-long token forged with it downloaded a model).
/// </summary>
public sealed partial class SecretsAtRestTests
{
    [Fact]
    public async Task A_new_data_folder_is_0700_and_the_database_with_its_wal_and_shm_0600()
    {
        await using var server = await TestServer.StartAsync();
        var key = await HelloAsync(server, "w1"); // writes: the WAL and its index exist now
        Assert.NotNull(key);

        var db = Path.Combine(server.DataDir, "comfydoctor.db");
        Assert.Equal("0700", Mode(server.DataDir));
        Assert.All(new[] { db, db + "-wal", db + "-shm" }, file => Assert.Equal("0600", Mode(file)));
        Assert.Equal("0600", Mode(Path.Combine(server.DataDir, "viewer-token"))); // generated (the test gives the other secrets)
        Console.WriteLine(
            $"RELIABILITY secrets-at-rest: folder={Mode(server.DataDir)} db={Mode(db)} wal={Mode(db + "-wal")} shm={Mode(db + "-shm")}"
        );
    }

    [Fact]
    public async Task An_existing_folder_and_database_open_to_others_are_narrowed_with_a_warning()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cdsrv-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            await using (var first = await TestServer.StartAsync(configure: o => o with { DataDir = dataDir }))
            {
                await HelloAsync(first, "w1");
            }

            var db = Path.Combine(dataDir, "comfydoctor.db");
            File.SetUnixFileMode(dataDir, (UnixFileMode)Convert.ToInt32("755", 8)); // as an older version left them
            foreach (var file in new[] { db, db + "-wal", db + "-shm" })
            {
                await File.AppendAllTextAsync(file, ""); // -wal and -shm may have gone with the last connection: there again
                File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));
            }

            var log = new CapturedLog();
            await using var second = await TestServer.StartAsync(configure: o => o with { DataDir = dataDir }, logging: log.Configure);

            Assert.Equal("0700", Mode(dataDir));
            Assert.All(new[] { db, db + "-wal", db + "-shm" }, file => Assert.Equal("0600", Mode(file)));
            Assert.Contains(
                $"data folder {dataDir} was open to other users (mode 0755); changed to 0700",
                log.Text,
                StringComparison.Ordinal
            );
            Assert.Contains($"database file {db} was open to other users (mode 0644); changed to 0600", log.Text, StringComparison.Ordinal);
            Assert.Contains($"database file {db}-wal was open to other users", log.Text, StringComparison.Ordinal);
            Assert.NotNull(await HelloAsync(second, "w2")); // and the server works on the narrowed files
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task No_value_in_the_database_file_signs_a_token_the_agent_accepts()
    {
        await using var server = await TestServer.StartAsync();
        var key = (await HelloAsync(server, "w1"))!;
        await HelloAsync(server, "w2");
        var db = Path.Combine(server.DataDir, "comfydoctor.db");
        var candidates = Candidates(db);

        var now = DateTimeOffset.UtcNow;
        var accepted = candidates.Where(c => BlobToken.IsValid(key, BlobToken.Issue(c, now.AddYears(1)), now)).ToList();

        Assert.Empty(accepted);
        Assert.Contains(candidates, c => c.StartsWith(BlobKeys.Prefix, StringComparison.Ordinal)); // the keys were among them, protected
        Assert.DoesNotContain(key, candidates);
        Console.WriteLine($"RELIABILITY secrets-at-rest: db-values-tried={candidates.Count} forged-tokens-accepted={accepted.Count}");
    }

    [Fact]
    public async Task A_plain_key_left_by_an_older_version_is_protected_at_start_and_the_agent_keeps_its_key()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cdsrv-" + Guid.NewGuid().ToString("N")[..10]);
        var db = Path.Combine(dataDir, "comfydoctor.db");
        var plain = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        try
        {
            await using (var first = await TestServer.StartAsync(configure: o => o with { DataDir = dataDir }))
            {
                await HelloAsync(first, "w1", Path.Combine(dataDir, "agent"));
            }

            await using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var legacy = connection.CreateCommand();
                legacy.CommandText = "UPDATE workers SET blob_key = $key";
                legacy.Parameters.AddWithValue("$key", plain);
                await legacy.ExecuteNonQueryAsync();
            }

            await using var second = await TestServer.StartAsync(configure: o => o with { DataDir = dataDir });

            // the agent's blob server still checks the same key
            Assert.Equal(plain, await HelloAsync(second, "w1", Path.Combine(dataDir, "agent")));
            var candidates = Candidates(db);
            Assert.DoesNotContain(candidates, c => c.Contains(plain, StringComparison.Ordinal)); // nor left in free space or the WAL
            Assert.Contains(candidates, c => c.StartsWith(BlobKeys.Prefix, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>An agent's hello (enrolling first): the blob key the server gives it.</summary>
    private static async Task<string?> HelloAsync(TestServer server, string name, string? agentData = null)
    {
        var agent = server.Agent(name, Path.GetTempPath(), agentData ?? Path.Combine(server.DataDir, name));
        await agent.PollOnceAsync(CancellationToken.None);
        return agent.BlobKey;
    }

    /// <summary>Every printable run of 16+ characters in the database file and its -wal: what a reader of the files could try as a
    /// key.</summary>
    private static List<string> Candidates(string db)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { db, db + "-wal" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            foreach (Match run in PrintableRun().Matches(Encoding.Latin1.GetString(copy.ToArray())))
            {
                found.Add(run.Value);
                foreach (Match part in Hex64().Matches(run.Value).Concat(ProtectedKey().Matches(run.Value)))
                {
                    found.Add(part.Value);
                }
            }
        }

        return [.. found];
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8).PadLeft(4, '0');

    [GeneratedRegex("[\\x21-\\x7e]{16,}")]
    private static partial Regex PrintableRun();

    [GeneratedRegex("aesgcm1:[A-Za-z0-9+/=]+")]
    private static partial Regex ProtectedKey();

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex Hex64();
}
