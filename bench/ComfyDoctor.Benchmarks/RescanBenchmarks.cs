using BenchmarkDotNet.Attributes;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Benchmarks;

/// <summary>
/// Re-scan of an unchanged tree of 10,000 model files with a warm hash cache, against the floor it cannot beat: walking
/// the same tree and stat-ing every file (the baseline, in the same run).
/// </summary>
[MemoryDiagnoser]
public class RescanBenchmarks
{
    private const int Files = 10_000;
    private string _root = "";
    private IReadOnlyList<ModelRoot> _roots = [];
    private HashCache _cache = HashCache.InMemory();

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "comfydoctor-bench-rescan");
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }

        string[] folders = ["checkpoints", "loras", "vae", "controlnet", "embeddings", "upscale_models"];
        var bytes = new byte[4096];
        for (var i = 0; i < Files; i++)
        {
            var dir = Path.Combine(_root, "models", folders[i % folders.Length], $"set{i % 50}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"model{i}.safetensors"), bytes);
        }

        _roots = ModelRootResolver.Resolve(_root, []).ModelRoots;
        _cache = HashCache.InMemory();
        new ModelScanner(_cache, new FileHasher(), (_, _) => FormatCheck.NotChecked("bench"))
            .ScanAsync(_roots, false, Environment.ProcessorCount, null, CancellationToken.None)
            .GetAwaiter()
            .GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, true);

    [Benchmark(Baseline = true)]
    public long WalkAndStat()
    {
        long total = 0;
        foreach (var file in new DirectoryInfo(Path.Combine(_root, "models")).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            total += FileStamp.TryOf(file.FullName)?.Size ?? 0;
        }

        return total;
    }

    [Benchmark]
    public int RescanWithWarmCache()
    {
        var hasher = new FileHasher();
        var models = new ModelScanner(_cache, hasher, (_, _) => throw new InvalidOperationException("cache miss"))
            .ScanAsync(_roots, false, Environment.ProcessorCount, null, CancellationToken.None)
            .GetAwaiter()
            .GetResult();
        return hasher.BytesRead == 0 ? models.Count : throw new InvalidOperationException("a file was re-read");
    }
}
