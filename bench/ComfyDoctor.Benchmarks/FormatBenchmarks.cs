using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Core.Architecture;

namespace ComfyDoctor.Benchmarks;

/// <summary>
/// Per-file cost of the structural checks: safetensors header validation over 1,000 files (a 400-tensor header each,
/// like a real checkpoint) against merely opening and reading those headers (baseline), the opcode walk of a 1 GiB
/// pickle whose payload is skipped (sparse file), and the scan of a 1 GiB zip checkpoint (directory and data.pkl only).
/// <see cref="ClassifyLoraHeaders"/>: the kind/family classification alone (no I/O) of 1,000 kohya SDXL LoRA headers of
/// 2,100 tensors each, the heaviest rules (every name flattened).
/// </summary>
[MemoryDiagnoser]
public class FormatBenchmarks
{
    private const int Files = 1000;
    private string _dir = "";
    private string[] _files = [];
    private string _bigPickle = "";
    private string _bigZip = "";
    private List<TensorInfo>[] _loras = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "comfydoctor-bench-formats");
        Directory.CreateDirectory(_dir);
        var header = new StringBuilder("{");
        for (var t = 0; t < 400; t++)
        {
            header.Append(
                System.Globalization.CultureInfo.InvariantCulture,
                $"\"model.layer{t}.weight\":{{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[{t * 8},{t * 8 + 8}]}},"
            );
        }

        var json = Encoding.UTF8.GetBytes(header.ToString().TrimEnd(',') + "}");
        var bytes = new byte[8 + json.Length + (400 * 8)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        _files = Enumerable.Range(0, Files).Select(i => Path.Combine(_dir, $"m{i}.safetensors")).ToArray();
        foreach (var file in _files)
        {
            File.WriteAllBytes(file, bytes);
        }

        _loras = Enumerable
            .Range(0, Files)
            .Select(f =>
                Enumerable
                    .Range(0, 700)
                    .SelectMany(i =>
                    {
                        var layer = $"lora_unet_input_blocks_{4 + (i % 5)}_1_transformer_blocks_{i / 5}_attn2_to_k_{f}";
                        return new[]
                        {
                            new TensorInfo(layer + ".lora_down.weight", [8, 2048]),
                            new TensorInfo(layer + ".lora_up.weight", [640, 8]),
                            new TensorInfo(layer + ".alpha", []),
                        };
                    })
                    .ToList()
            )
            .ToArray();

        _bigPickle = Path.Combine(_dir, "big.pt");
        using var pickle = new FileStream(_bigPickle, FileMode.Create);
        pickle.Write([0x80, 0x04, 0x8e]);
        pickle.Write(BitConverter.GetBytes(1L << 30));
        pickle.Seek(1L << 30, SeekOrigin.Current);
        pickle.Write("."u8);

        _bigZip = Path.Combine(_dir, "big-zip.pt");
        SparseTorchZip.Write(_bigZip, 1L << 30);
        if (ModelFormatChecker.Check(_bigZip) is { Status: not Core.Inventory.FormatStatus.Valid } check)
        {
            throw new InvalidOperationException($"the sparse zip checkpoint is not valid: {check.Message}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    [Benchmark(Baseline = true)]
    public long ReadHeadersOnly()
    {
        long total = 0;
        var prefix = new byte[8];
        foreach (var file in _files)
        {
            using var stream = File.OpenRead(file);
            stream.ReadExactly(prefix);
            var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(prefix)];
            stream.ReadExactly(header);
            total += header.Length;
        }

        return total;
    }

    [Benchmark]
    public int ValidateSafetensors() => _files.Count(f => SafetensorsChecker.Check(f).Status == Core.Inventory.FormatStatus.Valid);

    [Benchmark]
    public int ClassifyLoraHeaders() => _loras.Count(t => ArchitectureClassifier.Classify(t).Family == ModelFamilies.Sdxl);

    [Benchmark]
    public Core.Inventory.FormatStatus ScanOneGibPickle() => ModelFormatChecker.Check(_bigPickle).Status;

    [Benchmark]
    public Core.Inventory.FormatStatus ScanOneGibZipCheckpoint() => ModelFormatChecker.Check(_bigZip).Status;
}
