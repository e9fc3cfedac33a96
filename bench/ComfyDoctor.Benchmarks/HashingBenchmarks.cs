using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ComfyDoctor.Agent.Hashing;

namespace ComfyDoctor.Benchmarks;

/// <summary>
/// The scanner's streamed hashing of one page-cached 256 MiB file against the framework's one-call
/// <c>SHA256.HashData(Stream)</c> on the same file (the baseline: same OpenSSL code underneath).
/// </summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), "comfydoctor-bench-256m.bin");
        var buffer = new byte[1 << 20];
        new Random(1).NextBytes(buffer);
        using var file = File.Create(_path);
        for (var i = 0; i < 256; i++)
        {
            file.Write(buffer);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark(Baseline = true)]
    public byte[] FrameworkHashData()
    {
        using var stream = File.OpenRead(_path);
        return SHA256.HashData(stream);
    }

    [Benchmark]
    public string FileHasher() => new FileHasher().Hash(_path, null, CancellationToken.None);
}
