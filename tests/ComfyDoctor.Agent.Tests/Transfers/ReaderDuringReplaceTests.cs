using System.Security.Cryptography;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Tests.Transfers;

/// <summary>Issue 9, case 6 (second half): a model read again and again (as ComfyUI loads it) while a repair replaces it:
/// every read sees the whole old file or the whole new one, never a mix or a cut.</summary>
public sealed class ReaderDuringReplaceTests
{
    [Fact]
    public async Task Readers_see_the_old_or_the_new_file_whole_while_it_is_replaced()
    {
        var fresh = RandomNumberGenerator.GetBytes(3_000_000);
        var old = RandomNumberGenerator.GetBytes(3_000_000);
        var (oldSha, newSha) = (Convert.ToHexStringLower(SHA256.HashData(old)), Convert.ToHexStringLower(SHA256.HashData(fresh)));
        await using var server = await ModelServer.StartAsync(fresh);
        var (reads, oldReads, newReads, replacements) = (0, 0, 0, 0);
        for (var round = 0; round < 5; round++)
        {
            using var dir = new TempDir();
            var destination = dir.Write("models/checkpoints/x.safetensors", old);
            using var stop = new CancellationTokenSource();
            var reader = Task.Run(() =>
            {
                var seen = new List<string>();
                while (!stop.IsCancellationRequested)
                {
                    seen.Add(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(destination))));
                }

                return seen;
            });

            await new VerifiedDownloader(new HttpClient(), TimeSpan.FromSeconds(30), bytesPerSecond: 30_000_000).DownloadAsync(
                server.For("good"),
                new TransferTarget(destination, newSha, fresh.Length),
                new Quarantine(dir.Combine("q"), TimeSpan.FromDays(1)),
                null,
                CancellationToken.None
            );
            var afterRename = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(destination)));
            await stop.CancelAsync();
            var seen = await reader;

            Assert.Equal(newSha, afterRename);
            Assert.All(seen, hash => Assert.True(hash == oldSha || hash == newSha, "a reader saw a torn file"));
            reads += seen.Count;
            oldReads += seen.Count(h => h == oldSha);
            newReads += seen.Count(h => h == newSha);
            replacements++;
        }

        Assert.True(oldReads > 0, "the reader never overlapped a transfer");
        Console.WriteLine(
            $"RELIABILITY read-during-replace: replacements={replacements} reads={reads} old={oldReads} new={newReads} torn=0"
        );
    }
}
