using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary><c>check</c> with kind and family: real header files, a real workflow, the real process.</summary>
public sealed class ArchitectureCheckTests
{
    [Fact]
    public async Task A_misplaced_lora_is_red_and_a_workflow_mixing_families_is_yellow()
    {
        using var dir = new TempDir();
        var models = dir.Combine("ComfyUI", "models");
        Write(
            Path.Combine(models, "checkpoints", "sdxl_base.safetensors"),
            ("model.diffusion_model.input_blocks.0.0.weight", [320, 4, 3, 3]),
            ("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", [640, 2048]),
            ("model.diffusion_model.label_emb.0.0.weight", [1280, 2816]),
            ("first_stage_model.decoder.conv_in.weight", [512, 4, 3, 3])
        );
        Write(
            Path.Combine(models, "loras", "sd15_detail.safetensors"),
            ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", [8, 768]),
            ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", [320, 8])
        );
        Write(
            Path.Combine(models, "checkpoints", "style_lora.safetensors"),
            ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight", [8, 2048]),
            ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight", [640, 8])
        );
        var workflow = dir.Combine("portrait.json");
        await File.WriteAllTextAsync(
            workflow,
            """
            {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl_base.safetensors"}},
             "2": {"class_type": "LoraLoader", "inputs": {"lora_name": "sd15_detail.safetensors", "model": ["1", 0], "clip": ["1", 1]}}}
            """
        );

        var result = await InProcessCli.RunAsync(
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--workflow",
            workflow,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--disk-yellow-gib",
            "0",
            "--disk-red-gib",
            "0"
        );

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.StdOut);
        var findings = json
            .RootElement.GetProperty("findings")
            .EnumerateArray()
            .ToDictionary(
                f => (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString()),
                f => (f.GetProperty("severity").GetString(), f.GetProperty("message").GetString())
            );
        var misplaced = findings[("model.misplaced", "checkpoints/style_lora.safetensors")];
        Assert.Equal("error", misplaced.Item1);
        Assert.EndsWith(
            "ComfyUI's CheckpointLoaderSimple will not load a LoRA from checkpoints/: it belongs in loras/",
            misplaced.Item2,
            StringComparison.Ordinal
        );
        var mismatch = findings[("model.architecture-mismatch", "loras/sd15_detail.safetensors")];
        Assert.Equal("warning", mismatch.Item1);
        Assert.Contains("loads checkpoints/sdxl_base.safetensors (SDXL) and this LoRA for SD1.x", mismatch.Item2, StringComparison.Ordinal);
        Assert.Equal(2, findings.Keys.Count(k => k.Item1 is "model.misplaced" or "model.architecture-mismatch"));

        var table = await InProcessCli.RunAsync("check", "--comfyui", dir.Combine("ComfyUI"), "--cache", dir.Combine("cache.json"));
        Assert.Contains("full checkpoint", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("SDXL", table.StdOut, StringComparison.Ordinal);
        Assert.Contains("model.misplaced", table.StdOut, StringComparison.Ordinal);
    }

    /// <summary>A small safetensors file with these F16 tensors (zeros).</summary>
    private static void Write(string path, params (string Name, int[] Shape)[] tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(1L, (a, d) => a * d) * 2;
            header.Append(
                System.Globalization.CultureInfo.InvariantCulture,
                $"\"{name}\":{{\"dtype\":\"F16\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes}]}},"
            );
            offset += bytes;
        }

        var json = Encoding.UTF8.GetBytes(header.ToString().TrimEnd(',') + "}");
        var file = new byte[8 + json.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, file);
    }
}
