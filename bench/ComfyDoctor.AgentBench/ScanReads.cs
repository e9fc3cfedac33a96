using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.AgentBench;

/// <summary>
/// Bytes a scan reads, counted by the kernel (<c>rchar</c> of /proc/self/io: every read(2) of this process) and by
/// <see cref="FileHasher.BytesRead"/>: a cold scan (hash + format check + kind/family of every file), a routine re-scan
/// (warm cache), a re-scan over a cache written before kind/family detection (headers re-read, nothing re-hashed), and the
/// format checks alone against the header bytes the files hold. Files: SDXL-style LoRAs, checkpoints and VAEs with
/// real tensor names and header sizes (2,000–2,500 tensors), the tensor data a hole; and the same LoRAs as torch zips
/// (<c>.pt</c>, an 8 MiB data member), whose check walks data.pkl only, classification included.
/// </summary>
public static class ScanReads
{
    public static async Task<int> RunAsync(string dir, int perKind)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }

        var roots = new List<ModelRoot>();
        long headers = 0;
        foreach (
            var (folder, write) in new (string, Func<string, int, long>)[] { ("loras", Lora), ("checkpoints", Checkpoint), ("vae", Vae) }
        )
        {
            var path = Path.Combine(dir, "models", folder);
            Directory.CreateDirectory(path);
            roots.Add(new ModelRoot(folder, path, "default"));
            for (var i = 0; i < perKind; i++)
            {
                headers += write(Path.Combine(path, $"{folder}-{i}.safetensors"), i);
            }
        }

        long pickles = 0;
        var loras = Path.Combine(dir, "models", "loras");
        for (var i = 0; i < perKind; i++)
        {
            pickles += TorchZips.Write(Path.Combine(loras, $"pickle-{i}.pt"), LoraTensors(i), 8 << 20);
        }

        var files = roots.SelectMany(r => Directory.GetFiles(r.Path)).ToList();
        var size = files.Sum(f => new FileInfo(f).Length);
        Line("files", files.Count, "bytes", size, "header_bytes", headers, "pickle_data_pkl_bytes", pickles);

        var cache = HashCache.InMemory();
        var (cold, coldHashed, models) = await ScanAsync(roots, cache);
        Line(
            "cold_scan_rchar",
            cold,
            "hasher_bytes",
            coldHashed,
            "extra_over_files_plus_headers",
            cold - size - headers,
            "classified",
            models.Count(m => m.Format.Architecture is { KindKnown: true })
        );

        var (warm, warmHashed, _) = await ScanAsync(roots, cache);
        Line("routine_rescan_rchar", warm, "hasher_bytes", warmHashed);

        var old = HashCache.InMemory();
        foreach (var file in files)
        {
            var entry = cache.TryGet(file, FileStamp.Of(file))!;
            old.Put(file, entry with { Format = entry.Format with { Architecture = null }, Checker = 0 });
        }

        var (upgrade, upgradeHashed, upgraded) = await ScanAsync(roots, old);
        Line(
            "rescan_of_pre_kind_cache_rchar",
            upgrade,
            "hasher_bytes",
            upgradeHashed,
            "classified",
            upgraded.Count(m => m.Format.Architecture is { KindKnown: true })
        );
        var (again, againHashed, _) = await ScanAsync(roots, old);
        Line("next_rescan_rchar", again, "hasher_bytes", againHashed);

        var safetensors = files.Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal)).ToList();
        var before = Rchar();
        var checks = safetensors.Select(f => ModelFormatChecker.Check(f)).ToList();
        Line(
            "format_checks_rchar",
            Rchar() - before,
            "header_bytes",
            headers,
            "classified",
            checks.Count(c => c.Architecture is { KindKnown: true })
        );
        var torch = files.Except(safetensors).ToList();
        before = Rchar();
        var pickleChecks = torch.Select(f => ModelFormatChecker.Check(f)).ToList();
        Line(
            "pickle_checks_rchar",
            Rchar() - before,
            "files",
            torch.Count,
            "bytes",
            torch.Sum(f => new FileInfo(f).Length),
            "data_pkl_bytes",
            pickles,
            "valid",
            pickleChecks.Count(c => c.Status == FormatStatus.Valid),
            "classified",
            pickleChecks.Count(c => c.Architecture is { KindKnown: true })
        );
        Directory.Delete(dir, true);
        return 0;
    }

    private static async Task<(long Rchar, long Hashed, IReadOnlyList<ModelFile> Models)> ScanAsync(List<ModelRoot> roots, HashCache cache)
    {
        var hasher = new FileHasher();
        var scanner = new ModelScanner(cache, hasher, ModelFormatChecker.Check);
        var before = Rchar();
        var models = await scanner.ScanAsync(roots, deep: false, parallelism: 1, progress: null, CancellationToken.None);
        return (Rchar() - before, hasher.BytesRead, models);
    }

    /// <summary>The bytes this process has read so far (reading /proc/self/io itself is in it: a few hundred bytes).</summary>
    private static long Rchar() =>
        long.Parse(
            File.ReadLines("/proc/self/io").First(l => l.StartsWith("rchar:", StringComparison.Ordinal))[6..].Trim(),
            CultureInfo.InvariantCulture
        );

    private static void Line(params object[] pairs) =>
        Console.WriteLine(string.Join(' ', pairs.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture))));

    /// <summary>A kohya SDXL LoRA: 700 attention layers × down, up, alpha (rank 8).</summary>
    private static long Lora(string path, int seed) => Write(path, LoraTensors(seed));

    private static IEnumerable<(string, long[])> LoraTensors(int seed) =>
        Enumerable
            .Range(0, 700)
            .SelectMany(i =>
            {
                var layer = $"lora_unet_input_blocks_{4 + (i % 5)}_1_transformer_blocks_{i / 5}_attn2_to_k_{seed}";
                return new[]
                {
                    (layer + ".lora_down.weight", new long[] { 8, 2048 }),
                    (layer + ".lora_up.weight", new long[] { 640, 8 }),
                    (layer + ".alpha", Array.Empty<long>()),
                };
            });

    /// <summary>An SDXL checkpoint header: the UNet's markers and 2,500 more tensors (small shapes: the header is the point).</summary>
    private static long Checkpoint(string path, int seed) =>
        Write(
            path,
            new[]
            {
                ("model.diffusion_model.input_blocks.0.0.weight", new long[] { 320, 4, 3, 3 }),
                ("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", new long[] { 640, 2048 }),
                ("model.diffusion_model.label_emb.0.0.weight", new long[] { 1280, 2816 }),
                ("first_stage_model.decoder.conv_in.weight", new long[] { 512, 4, 3, 3 }),
            }.Concat(
                Enumerable
                    .Range(0, 2500)
                    .Select(i =>
                        (
                            $"model.diffusion_model.output_blocks.{i % 9}.1.transformer_blocks.{i}.ff.net.{seed}.weight",
                            new long[] { 64, 64 }
                        )
                    )
            )
        );

    private static long Vae(string path, int seed) =>
        Write(
            path,
            new[] { ("decoder.conv_in.weight", new long[] { 512, 4, 3, 3 }) }.Concat(
                Enumerable
                    .Range(0, 250)
                    .Select(i => ($"decoder.up_blocks.{i % 4}.resnets.{i}.conv{seed}.weight", new long[] { 128, 128, 3, 3 }))
            )
        );

    /// <summary>A safetensors file whose data is a hole; returns the bytes before the data (length + header).</summary>
    private static long Write(string path, IEnumerable<(string Name, long[] Shape)> tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(1L, (a, d) => a * d) * 2;
            header.Append(
                CultureInfo.InvariantCulture,
                $"\"{name}\":{{\"dtype\":\"F16\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes}]}},"
            );
            offset += bytes;
        }

        var json = Encoding.UTF8.GetBytes(header.ToString().TrimEnd(',') + "}");
        using var file = new FileStream(path, FileMode.Create);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        file.Write(length);
        file.Write(json);
        file.SetLength(8 + json.Length + offset);
        return 8 + json.Length;
    }
}
