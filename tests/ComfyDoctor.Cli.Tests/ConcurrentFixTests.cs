using System.Security.Cryptography;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 16, case 7: two real <c>comfydoctor check --fix models</c> processes started together on one installation, round
/// after round. Before, both planned from the same broken file and each quarantined the other's verified copy (a model
/// corrupted in 2 of 6 rounds). Now one holds <c>.comfydoctor/lock</c> from its scan to its re-scan and the other waits,
/// then finds nothing to fix: in every round exactly one transfer, the model verified, no verified copy quarantined.
/// </summary>
public sealed class ConcurrentFixTests
{
    [Fact]
    public async Task Two_fix_processes_on_one_installation_repair_it_once_and_never_corrupt_it()
    {
        var model = Safetensors(3 << 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(model));
        await using var source = await ModelServer.StartAsync(model, TimeSpan.FromMilliseconds(4)); // a transfer takes a second or more
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var destination = Path.Combine(comfy, "models", "checkpoints", "shared.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var registry = dir.Combine("registry.yaml");
        await File.WriteAllTextAsync(
            registry,
            $"models:\n  - path: checkpoints/shared.safetensors\n    sha256: {sha}\n    size: {model.Length}\n    urls: "
                + $"[\"{source.Slow}\"]\n"
        );
        string[] args = ["check", "--comfyui", comfy, "--registry", registry, "--json", "--fix", "models"];

        const int rounds = 5;
        var waited = 0;
        for (var round = 0; round < rounds; round++)
        {
            await File.WriteAllBytesAsync(destination, "a corrupted copy"u8.ToArray());
            var runs = await Task.WhenAll(CliProcess.RunAsync(args), CliProcess.RunAsync(args));

            Assert.All(runs, run => Assert.True(run.ExitCode == 0, $"round {round}: exit {run.ExitCode}: {run.StdErr}"));
            Assert.Equal(model, await File.ReadAllBytesAsync(destination));
            var transfers = runs.Select(r => Transfers(r.StdOut)).ToList();
            Assert.True(
                transfers.Order().SequenceEqual([0, 1]),
                $"round {round}: transfers per process {string.Join(",", transfers)} (one repairs, the other finds nothing to fix)"
            );
            Assert.All(runs, run =>
                Assert.Equal(
                    "green",
                    JsonDocument.Parse(run.StdOut).RootElement.GetProperty("report").GetProperty("health").GetProperty("models").GetString()
                )
            );
            waited += runs.Count(r => r.StdErr.Contains("is being repaired by check --fix models", StringComparison.Ordinal));
        }

        var quarantined = Directory.GetFiles(Path.Combine(comfy, ".comfydoctor", "quarantine"), "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(quarantined, file =>
            new FileInfo(file).Length == model.Length && File.ReadAllBytes(file).AsSpan().SequenceEqual(model)
        );
        Assert.True(waited > 0, "no process ever met the other's lock: the rounds did not overlap and proved nothing");
        Console.WriteLine(
            $"RELIABILITY concurrent-fix: processes=2 rounds={rounds} transfers={rounds} waited={waited} corrupted=0 "
                + "verified-copies-quarantined=0"
        );
    }

    [Fact]
    public async Task A_fix_gives_up_after_its_lock_wait_while_another_process_holds_the_installation_and_changes_nothing()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var destination = Path.Combine(comfy, "models", "checkpoints", "shared.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await File.WriteAllTextAsync(destination, "a corrupted copy");
        var registry = dir.Combine("registry.yaml");
        await File.WriteAllTextAsync(
            registry,
            $"models:\n  - path: checkpoints/shared.safetensors\n    sha256: {new string('a', 64)}\n    urls: [\"http://127.0.0.1:9/x\"]\n"
        );

        using (
            await Agent.Repairs.InstallationLock.AcquireAsync(comfy, "an agent's repair job", TimeSpan.Zero, null, CancellationToken.None)
        )
        {
            var run = await CliProcess.RunAsync("check", "--comfyui", comfy, "--registry", registry, "--fix", "models", "--lock-wait", "1");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("is being repaired by an agent's repair job (process", run.StdErr, StringComparison.Ordinal);
            Assert.Contains("gave up after waiting 1 s", run.StdErr, StringComparison.Ordinal);
        }

        Assert.Equal("a corrupted copy", await File.ReadAllTextAsync(destination));
    }

    /// <summary>A valid safetensors file: one U8 tensor of random bytes.</summary>
    private static byte[] Safetensors(int bytes)
    {
        var header = System.Text.Encoding.UTF8.GetBytes($"{{\"w\":{{\"dtype\":\"U8\",\"shape\":[{bytes}],\"data_offsets\":[0,{bytes}]}}}}");
        var file = new byte[8 + header.Length + bytes];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        new Random(16).NextBytes(file.AsSpan(8 + header.Length));
        return file;
    }

    /// <summary>Model actions a run carried out ("done"), from its --json output.</summary>
    private static int Transfers(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        return root.TryGetProperty("modelFixes", out var fixes) && fixes.ValueKind == JsonValueKind.Array
            ? fixes.EnumerateArray().Count(f => f.GetProperty("outcome").GetString() == "done")
            : 0;
    }
}
