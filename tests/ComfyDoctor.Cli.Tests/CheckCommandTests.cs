using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

public sealed class CheckCommandTests
{
    [Fact]
    public async Task Demo_json_reports_every_planted_defect_and_exits_red()
    {
        using var dir = new TempDir();
        var result = await InProcessCli.RunAsync("check", "--demo", dir.Combine("demo"), "--json", "--cache", dir.Combine("cache.json"));

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        Assert.Equal("red", root.GetProperty("health").GetProperty("models").GetString());
        var findings = root.GetProperty("findings")
            .EnumerateArray()
            .Select(f => (Code: f.GetProperty("code").GetString(), Subject: f.GetProperty("subject").GetString()))
            .ToList();
        Assert.Contains(("model.corrupted", "loras/detail-tweaker.safetensors"), findings);
        Assert.Contains(("model.corrupted", "vae/sdxl_vae.safetensors"), findings);
        Assert.Contains(("model.invalid", "vae/sdxl_vae.safetensors"), findings);
        Assert.Contains(("model.missing", "text_encoders/t5xxl_fp8_e4m3fn.safetensors"), findings);
        Assert.Contains(("model.unknown", "upscale_models/4x-UltraSharp.pth"), findings);
        Assert.Contains(("model.unsafe", "embeddings/free-prompts.pt"), findings);
        Assert.DoesNotContain(findings, f =>
            f.Subject
                is "checkpoints/sd15/dreamshaper_8.safetensors"
                    or "loras/shared-style.safetensors"
                    or "diffusion_models/flux1-dev-Q4_K_S.gguf"
        );

        var inventory = root.GetProperty("inventory");
        var identities = inventory.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("identity").GetString()).ToList();
        Assert.Contains("loras/shared-style.safetensors", identities); // found through extra_model_paths.yaml
        var kinds = inventory
            .GetProperty("models")
            .EnumerateArray()
            .Where(m => m.GetProperty("format").TryGetProperty("architecture", out _))
            .ToDictionary(m => m.GetProperty("identity").GetString()!, m => m.GetProperty("format").GetProperty("architecture"));
        Assert.Equal(
            ("checkpoint", "sd1"),
            (
                kinds["checkpoints/sd15/dreamshaper_8.safetensors"].GetProperty("kind").GetString(),
                kinds["checkpoints/sd15/dreamshaper_8.safetensors"].GetProperty("family").GetString()
            )
        );
        Assert.Equal("sdxl", kinds["loras/shared-style.safetensors"].GetProperty("family").GetString());
        Assert.DoesNotContain(findings, f => f.Code is "model.misplaced" or "model.architecture-mismatch");
        var packs = inventory.GetProperty("nodePacks").EnumerateArray().ToList();
        Assert.Contains(packs, p =>
            p.GetProperty("name").GetString() == "ComfyUI-DemoPack"
            && p.GetProperty("nodeClasses").EnumerateArray().Any(c => c.GetString() == "DemoSharpen")
        );
        Assert.Contains(packs, p => p.GetProperty("name").GetString() == "ComfyUI-OldPack" && p.GetProperty("disabled").GetBoolean());
        Assert.Equal("0.3.66", inventory.GetProperty("environment").GetProperty("comfyUiVersion").GetString());
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task Human_report_is_plain_when_redirected()
    {
        using var dir = new TempDir();
        var result = await CliProcess.RunAsync("check", "--demo", dir.Combine("demo"), "--cache", dir.Combine("cache.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("\u001b[", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Models: ✖ RED", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("model.corrupted", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("loras/detail-tweaker.safetensors", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("full checkpoint", result.StdOut, StringComparison.Ordinal); // the models table: kind and family
    }

    [Fact]
    public async Task Healthy_installation_exits_zero()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(Path.Combine(comfy, "models", "checkpoints"));
        var model = Path.Combine(comfy, "models", "checkpoints", "a.safetensors");
        var header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        File.WriteAllBytes(
            model,
            [.. BitConverter.GetBytes((ulong)header.Length), .. System.Text.Encoding.UTF8.GetBytes(header), 1, 2, 3, 4]
        );
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model)));
        var registry = dir.Combine("registry.json");
        await File.WriteAllTextAsync(registry, $"{{\"models\": [{{\"path\": \"checkpoints/a.safetensors\", \"sha256\": \"{sha}\"}}]}}");

        var result = await InProcessCli.RunAsync(
            "check",
            "--comfyui",
            comfy,
            "--registry",
            registry,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--disk-yellow-gib",
            "0",
            "--disk-red-gib",
            "0"
        );

        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("green", json.RootElement.GetProperty("health").GetProperty("models").GetString());
        Assert.Equal(0, result.ExitCode); // runtime is yellow here (no Python/GPU), never red
    }

    [Theory]
    [InlineData(new[] { "check" }, "--comfyui PATH is required")]
    [InlineData(new[] { "check", "--comfyui", "/nonexistent/comfy" }, "ComfyUI folder not found: /nonexistent/comfy")]
    [InlineData(new[] { "check", "--comfyui", "/tmp", "--parallel", "0" }, "--parallel must be between 1 and 256")]
    [InlineData(new[] { "check", "--bogus" }, "--bogus")]
    public async Task Bad_usage_exits_2_with_a_clear_message(string[] args, string expected)
    {
        var result = await CliProcess.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_registry_exits_2_naming_file_line_and_field()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("ComfyUI"));
        var registry = dir.Combine("registry.yaml");
        await File.WriteAllTextAsync(registry, "models:\n  - path: loras/x.safetensors\n    sha256: nothex\n");

        var result = await InProcessCli.RunAsync("check", "--comfyui", dir.Combine("ComfyUI"), "--registry", registry);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{registry}:3: models[0].sha256: expected 64 hex characters", result.StdErr, StringComparison.Ordinal);
        Assert.Equal("", result.StdOut);
    }

    [Fact]
    public async Task Unreachable_comfy_url_is_noted_not_fatal()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("ComfyUI", "custom_nodes"));

        var result = await InProcessCli.RunAsync(
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--comfy-url",
            "http://127.0.0.1:9",
            "--json",
            "--cache",
            dir.Combine("cache.json")
        );

        var notes = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("inventory").GetProperty("environment").GetProperty("notes");
        Assert.Contains(notes.EnumerateArray(), n =>
            n.GetString()!.StartsWith("ComfyUI at http://127.0.0.1:9/ not readable", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task Fake_nvidia_smi_on_path_reaches_the_report()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("ComfyUI"));
        var bin = dir.Combine("bin");
        Directory.CreateDirectory(bin);
        var smi = Path.Combine(bin, "nvidia-smi");
        // Test double for nvidia-smi (no GPU here): the real tool's CSV for the probe's query, and its banner otherwise.
        await File.WriteAllTextAsync(
            smi,
            "#!/bin/sh\ncase \"$1\" in --query-gpu=*) echo 'NVIDIA A100-SXM4-80GB, 535.129.03, 81920'; exit 0;; esac\n"
                + "echo '| NVIDIA-SMI 535.129.03   Driver Version: 535.129.03   CUDA Version: 12.2 |'\n"
        );
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };

        var result = await CliProcess.RunAsync(
            env,
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--json",
            "--cache",
            dir.Combine("cache.json")
        );

        var gpu = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("inventory").GetProperty("environment").GetProperty("gpus")[0];
        Assert.Equal("NVIDIA A100-SXM4-80GB", gpu.GetProperty("name").GetString());
        Assert.Equal("535.129.03", gpu.GetProperty("driverVersion").GetString());
        Assert.Equal("12.2", gpu.GetProperty("cudaVersion").GetString());
    }

    [Fact]
    public async Task In_place_modification_is_caught_even_with_its_mtime_put_back()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var model = Path.Combine(comfy, "models", "loras", "style.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        var header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[1000],\"data_offsets\":[0,1000]}}";
        await File.WriteAllBytesAsync(
            model,
            [.. BitConverter.GetBytes((ulong)header.Length), .. System.Text.Encoding.UTF8.GetBytes(header), .. new byte[1000]]
        );
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(model)));
        var registry = dir.Combine("registry.yaml");
        await File.WriteAllTextAsync(registry, $"models:\n  - path: loras/style.safetensors\n    sha256: {sha}\n");
        string[] check = ["check", "--comfyui", comfy, "--registry", registry, "--json", "--cache", dir.Combine("cache.json")];
        Assert.DoesNotContain("model.corrupted", (await InProcessCli.RunAsync(check)).StdOut, StringComparison.Ordinal);

        // Flip one byte in place: same inode, same size, mtime put back. The change time (ctime) still moves, so even the
        // routine scan re-reads it; a deep scan always does.
        var mtime = File.GetLastWriteTimeUtc(model);
        await using (var stream = new FileStream(model, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Seek(-10, SeekOrigin.End);
            stream.WriteByte(0x42);
        }

        File.SetLastWriteTimeUtc(model, mtime);
        Assert.Contains("model.corrupted", (await InProcessCli.RunAsync(check)).StdOut, StringComparison.Ordinal);
        Assert.Contains("model.corrupted", (await InProcessCli.RunAsync([.. check, "--deep"])).StdOut, StringComparison.Ordinal);

        // Any change of mtime (a touch) makes the routine scan read the file again.
        // Put the good bytes back: the cache holds the rotten hash, and the new stamp makes the routine scan read again.
        await using (var stream = new FileStream(model, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Seek(-10, SeekOrigin.End);
            stream.WriteByte(0);
        }

        File.SetLastWriteTimeUtc(model, mtime.AddSeconds(5));
        Assert.DoesNotContain("model.corrupted", (await InProcessCli.RunAsync(check)).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unwritable_cache_is_a_note_and_the_report_still_comes()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("ComfyUI", "models", "loras"));
        await File.WriteAllBytesAsync(dir.Combine("ComfyUI", "models", "loras", "a.safetensors"), new byte[100]);
        await File.WriteAllTextAsync(dir.Combine("not-a-folder"), "a file where the cache folder should be");

        var result = await InProcessCli.RunAsync(
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--json",
            "--cache",
            dir.Combine("not-a-folder", "cache.json")
        );

        var notes = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("inventory").GetProperty("environment").GetProperty("notes");
        Assert.Contains(notes.EnumerateArray(), n =>
            n.GetString()!.StartsWith($"hash cache {dir.Combine("not-a-folder", "cache.json")} not saved", StringComparison.Ordinal)
        );
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task On_a_terminal_progress_and_colours_are_shown()
    {
        using var dir = new TempDir();
        var dll = Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll");
        // util-linux `script` runs the program on a pseudo-terminal, as a person at a shell would.
        var command = $"dotnet '{dll}' check --demo '{dir.Combine("demo")}' --cache '{dir.Combine("cache.json")}'";
        var env = new Dictionary<string, string> { ["TERM"] = "xterm-256color" };

        var result = await CliProcess.RunWithAsync("script", env, "-qec", command, "/dev/null");

        Assert.Contains("Hashing models", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("\u001b[", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("RED", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fix_models_puts_verified_copies_in_place_and_quarantines_what_it_replaces()
    {
        using var dir = new TempDir();
        var demo = dir.Combine("demo");
        string[] check =
        [
            "check",
            "--demo",
            demo,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--fix",
            "models",
            "--model-mirror",
            Path.Combine(demo, "mirror"),
        ];

        var planned = JsonDocument.Parse((await InProcessCli.RunAsync([.. check, "--dry-run"])).StdOut).RootElement;
        Assert.False(planned.TryGetProperty("modelFixes", out _)); // a dry run only plans
        var plannedActions = planned.GetProperty("modelPlan").GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal(3, plannedActions.Count);
        Assert.All(plannedActions, a =>
            Assert.Equal(["url", "mirror"], a.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("kind").GetString()))
        );
        Assert.False(File.Exists(Path.Combine(demo, "ComfyUI", "models", "text_encoders", "t5xxl_fp8_e4m3fn.safetensors")));

        var run = await InProcessCli.RunAsync(check);
        var result = JsonDocument.Parse(run.StdOut).RootElement;

        var fixes = result
            .GetProperty("modelFixes")
            .EnumerateArray()
            .ToDictionary(f => f.GetProperty("subject").GetString()!, f => f.GetProperty("outcome").GetString());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["loras/detail-tweaker.safetensors"] = "done",
                ["vae/sdxl_vae.safetensors"] = "done",
                ["text_encoders/t5xxl_fp8_e4m3fn.safetensors"] = "done",
            },
            fixes
        );
        var codes = result
            .GetProperty("report")
            .GetProperty("findings")
            .EnumerateArray()
            .Select(f => f.GetProperty("code").GetString())
            .ToList();
        Assert.DoesNotContain("model.corrupted", codes);
        Assert.DoesNotContain("model.missing", codes);
        Assert.DoesNotContain("model.invalid", codes);
        Assert.Contains("model.unsafe", codes); // not in the registry: nothing known-good to put in its place
        Assert.Equal(
            2,
            Directory.GetFiles(Path.Combine(demo, "ComfyUI", ".comfydoctor", "quarantine"), "*", SearchOption.AllDirectories).Length
        );
    }
}
