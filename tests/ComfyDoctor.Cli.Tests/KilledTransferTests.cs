using System.Diagnostics;
using System.Security.Cryptography;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Fault injection: the comfydoctor process is killed (SIGKILL) at random points of a model transfer, again and again.
/// The model's path must only ever hold the old file or the verified new one; the next run resumes and finishes.
/// </summary>
public sealed class KilledTransferTests
{
    [Fact]
    public async Task Sigkill_during_a_transfer_never_leaves_a_partial_file_in_place()
    {
        var model = new byte[6 << 20];
        new Random(11).NextBytes(model);
        var sha = Convert.ToHexStringLower(SHA256.HashData(model));
        await using var source = await ModelServer.StartAsync(model, TimeSpan.FromMilliseconds(8));
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var destination = Path.Combine(comfy, "models", "checkpoints", "big.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var old = "the old, corrupted file"u8.ToArray();
        await File.WriteAllBytesAsync(destination, old);
        var registry = dir.Combine("registry.yaml");
        await File.WriteAllTextAsync(
            registry,
            $"models:\n  - path: checkpoints/big.safetensors\n    sha256: {sha}\n    size: {model.Length}\n    urls: [\"{source.Slow}\"]\n"
        );
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll"),
            "check",
            "--comfyui",
            comfy,
            "--registry",
            registry,
            "--json",
            "--cache",
            dir.Combine("cache.json"),
            "--fix",
            "models",
        ];

        // Each round kills the process once its partial file has grown past a random point of the model, so every kill
        // lands mid-transfer whatever the machine's load (timing alone would not guarantee that).
        var partial = Path.Combine(Path.GetDirectoryName(destination)!, $".comfydoctor-big.safetensors.{sha[..16]}.partial");
        var random = new Random(5);
        var kills = 0;
        for (var round = 0; round < 6; round++)
        {
            using var process = Start(args);
            var killAt = random.NextInt64(model.Length / 10, model.Length * 9 / 10);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!process.HasExited && DateTime.UtcNow < deadline && (!File.Exists(partial) || new FileInfo(partial).Length < killAt))
            {
                await Task.Delay(5);
            }

            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL: no cleanup code runs
                kills++;
            }

            await process.WaitForExitAsync();
            var now = await File.ReadAllBytesAsync(destination);
            Assert.True(
                now.SequenceEqual(old) || now.SequenceEqual(model),
                $"round {round}: the model path holds {now.Length:N0} bytes that are neither the old nor the verified file"
            );
        }

        using (var last = Start(args))
        {
            await last.WaitForExitAsync();
        }

        Assert.Equal(model, await File.ReadAllBytesAsync(destination));
        Assert.True(kills > 0, "no run was killed mid-transfer: the test proved nothing");
        Assert.Contains(source.Starts, start => start > 0); // at least one run resumed a partial with a Range request
        Assert.Empty(
            Directory
                .GetFiles(Path.GetDirectoryName(destination)!, "*.partial", SearchOption.AllDirectories)
                .Concat(Directory.GetFiles(Path.GetDirectoryName(destination)!, ".comfydoctor-*"))
        );
        Console.WriteLine(
            $"RELIABILITY sigkill-transfer: runs=7 kills={kills} resumed-with-range={source.Starts.Count(s => s > 0)} "
                + "final=verified bytes-lost=0"
        );
    }

    private static Process Start(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }
}
