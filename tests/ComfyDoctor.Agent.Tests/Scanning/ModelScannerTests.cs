using System.Security.Cryptography;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Scanning;

public sealed class ModelScannerTests
{
    private static readonly Func<NativePath, CancellationToken, FormatCheck> NoFormatCheck = (path, _) =>
        FormatCheck.NotChecked(Path.GetExtension(path.Text));

    [Fact]
    public async Task Hashes_every_model_file_with_its_identity()
    {
        using var dir = new TempDir();
        var a = Bytes(3_000_000, 1);
        var b = Bytes(10, 2);
        dir.Write("models/checkpoints/sd/a.safetensors", a);
        dir.Write("models/clip/b.bin", b);
        dir.WriteText("models/checkpoints/readme.txt", "not a model");
        dir.Write("models/checkpoints/.git/objects/x.bin", b);

        var (scanner, hasher) = NewScanner(HashCache.InMemory());
        var models = await scanner.ScanAsync(Roots(dir), deep: false, parallelism: 2, null, CancellationToken.None);

        Assert.Equal(["checkpoints/sd/a.safetensors", "text_encoders/b.bin"], models.Select(m => m.Identity).Order(StringComparer.Ordinal));
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(a)),
            models.Single(m => m.Identity.EndsWith("a.safetensors", StringComparison.Ordinal)).Sha256
        );
        Assert.Equal(a.Length, models.Single(m => m.Identity.EndsWith("a.safetensors", StringComparison.Ordinal)).Size);
        Assert.Equal(a.Length + b.Length, hasher.BytesRead);
    }

    [Fact]
    public async Task Rescan_of_unchanged_files_reads_no_bytes_and_notices_every_change()
    {
        using var dir = new TempDir();
        var cachePath = dir.Combine("cache", "hashes.json");
        var one = dir.Write("models/loras/one.safetensors", Bytes(500_000, 1));
        var two = dir.Write("models/loras/two.safetensors", Bytes(700_000, 2));
        dir.Write("models/vae/three.safetensors", Bytes(900_000, 3));

        var first = await ScanWithCacheFile(dir, cachePath, deep: false);
        Assert.Equal(2_100_000, first.BytesRead);

        var second = await ScanWithCacheFile(dir, cachePath, deep: false);
        Assert.Equal(0, second.BytesRead);
        Assert.Equal(first.Models.Select(m => m.Sha256), second.Models.Select(m => m.Sha256));

        // Same size, same mtime, different bytes written to a new inode (a replaced file): must be re-read.
        var mtime = File.GetLastWriteTimeUtc(one);
        var replacement = Bytes(500_000, 9);
        File.WriteAllBytes(one + ".new", replacement);
        File.SetLastWriteTimeUtc(one + ".new", mtime);
        File.Move(one + ".new", one, overwrite: true);
        // Changed size (a truncation).
        using (var stream = new FileStream(two, FileMode.Open))
        {
            stream.SetLength(600_000);
        }

        var third = await ScanWithCacheFile(dir, cachePath, deep: false);
        Assert.Equal(500_000 + 600_000, third.BytesRead);
        Assert.Equal(
            Convert.ToHexStringLower(SHA256.HashData(replacement)),
            third.Models.Single(m => m.Identity == "loras/one.safetensors").Sha256
        );

        var deep = await ScanWithCacheFile(dir, cachePath, deep: true);
        Assert.Equal(500_000 + 600_000 + 900_000, deep.BytesRead);
    }

    [Fact]
    public async Task A_cached_verdict_from_an_older_checker_gets_its_format_checked_again_never_a_rehash()
    {
        using var dir = new TempDir();
        var path = dir.Combine("models", "loras", "sdxl.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Formats.ArchitectureFixtures.All.Single(f => f.Name == "SDXL LoRA (kohya)").Write(path);
        var checks = 0;
        var cache = HashCache.InMemory();
        var hasher = new FileHasher();
        var scanner = new ModelScanner(cache, hasher, (p, ct) =>
        {
            Interlocked.Increment(ref checks);
            return Agent.Formats.ModelFormatChecker.Check(p, ct);
        });
        await scanner.ScanAsync(Roots(dir), false, 1, null, CancellationToken.None);
        var hashed = hasher.BytesRead;
        var entry = cache.TryGet(path, FileStamp.Of(path))!;
        Assert.Equal(HashCache.CheckerVersion, entry.Checker);
        cache.Put(path, entry with { Format = entry.Format with { Architecture = null }, Checker = 0 }); // as an older agent cached it

        var upgraded = await scanner.ScanAsync(Roots(dir), false, 1, null, CancellationToken.None);
        var after = await scanner.ScanAsync(Roots(dir), false, 1, null, CancellationToken.None);

        Assert.Equal(new FileInfo(path).Length, hashed);
        Assert.Equal(hashed, hasher.BytesRead); // nothing re-hashed
        Assert.Equal(2, checks); // the first scan's check, and one header re-check
        Assert.Equal(("lora", "sdxl"), (upgraded[0].Format.Architecture?.Kind, upgraded[0].Format.Architecture?.Family));
        Assert.Equal(upgraded[0].Format.Architecture, after[0].Format.Architecture);
        Assert.Equal(entry.Sha256, after[0].Sha256);
    }

    [Fact]
    public async Task A_cache_file_written_before_checker_versions_keeps_its_hashes_and_has_its_formats_checked_again()
    {
        using var dir = new TempDir();
        var cachePath = dir.Combine("hashes.json");
        dir.Write("models/loras/one.safetensors", Bytes(1000, 1));
        var first = await ScanWithCacheFile(dir, cachePath, deep: false);
        var file = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(cachePath))!;
        foreach (var (_, entry) in file["entries"]!.AsObject())
        {
            Assert.True(entry!.AsObject().Remove("checker")); // as agents before the checker version wrote it
        }

        File.WriteAllText(cachePath, file.ToJsonString());

        var again = await ScanWithCacheFile(dir, cachePath, deep: false);

        Assert.Equal(1000, first.BytesRead);
        Assert.Equal(0, again.BytesRead); // the hash is kept
        Assert.Equal(first.Models[0].Sha256, again.Models[0].Sha256);
        var rewritten = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(cachePath))!["entries"]!.AsObject().Single().Value!;
        Assert.Equal(HashCache.CheckerVersion, rewritten["checker"]!.GetValue<int>()); // checked again, and remembered so
    }

    [Fact]
    public async Task Damaged_cache_file_is_ignored_not_trusted()
    {
        using var dir = new TempDir();
        var cachePath = dir.WriteText("hashes.json", "{\"version\":3,\"entries\":{\"/x\": {broken");
        dir.Write("models/loras/one.safetensors", Bytes(1000, 1));

        var result = await ScanWithCacheFile(dir, cachePath, deep: false);

        Assert.Equal(1000, result.BytesRead);
        Assert.Equal(1, HashCache.Load(cachePath).Count); // rewritten whole
    }

    [Fact]
    public async Task Follows_symlinks_once_and_survives_loops()
    {
        using var dir = new TempDir();
        dir.Write("store/big.safetensors", Bytes(1000, 1));
        Directory.CreateDirectory(dir.Combine("models", "checkpoints"));
        File.CreateSymbolicLink(dir.Combine("models", "checkpoints", "linked.safetensors"), dir.Combine("store", "big.safetensors"));
        File.CreateSymbolicLink(dir.Combine("models", "checkpoints", "dangling.safetensors"), dir.Combine("store", "gone.safetensors"));
        Directory.CreateSymbolicLink(dir.Combine("models", "checkpoints", "loop"), dir.Combine("models", "checkpoints"));

        var (scanner, _) = NewScanner(HashCache.InMemory());
        var models = await scanner.ScanAsync(Roots(dir), false, 1, null, CancellationToken.None);

        var linked = Assert.Single(models);
        Assert.Equal("checkpoints/linked.safetensors", linked.Identity);
        Assert.Equal(1000, linked.Size);
    }

    [Fact]
    public async Task Reports_progress_up_to_the_total()
    {
        using var dir = new TempDir();
        dir.Write("models/loras/a.safetensors", Bytes(100_000, 1));
        dir.Write("models/loras/b.safetensors", Bytes(200_000, 2));
        var reports = new List<ScanProgress>();
        var (scanner, _) = NewScanner(HashCache.InMemory());

        await scanner.ScanAsync(Roots(dir), false, 1, new SynchronousProgress(reports), CancellationToken.None);

        var last = reports[^1];
        Assert.Equal(2, last.FilesDone);
        Assert.Equal(300_000, last.BytesDone);
        Assert.Equal(300_000, last.BytesTotal);
    }

    private static async Task<(IReadOnlyList<ModelFile> Models, long BytesRead)> ScanWithCacheFile(TempDir dir, string cachePath, bool deep)
    {
        var cache = HashCache.Load(cachePath);
        var (scanner, hasher) = NewScanner(cache);
        var models = await scanner.ScanAsync(Roots(dir), deep, 2, null, CancellationToken.None);
        await cache.SaveAsync(CancellationToken.None);
        return (models.OrderBy(m => m.Identity, StringComparer.Ordinal).ToList(), hasher.BytesRead);
    }

    private static (ModelScanner, FileHasher) NewScanner(HashCache cache)
    {
        var hasher = new FileHasher();
        return (new ModelScanner(cache, hasher, NoFormatCheck), hasher);
    }

    private static List<ModelRoot> Roots(TempDir dir) => Agent.Models.ModelRootResolver.Resolve(dir.Path, []).ModelRoots.ToList();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private sealed class SynchronousProgress(List<ScanProgress> sink) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
