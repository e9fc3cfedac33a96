using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Issue 16, cases 1–4 (docs/reliability.md 16–19): a worker's file system made hostile — names that are not UTF-8,
/// FIFOs, sockets and devices named like models, names full of terminal control sequences, symlink loops and unreadable
/// folders — checked through the real <c>comfydoctor check</c> process.
/// </summary>
public sealed class HostileFileSystemTests
{
    [Fact]
    public async Task Names_that_are_not_utf8_are_inventoried_shown_escaped_and_judged()
    {
        using var dir = new TempDir();
        var models = dir.Combine("ComfyUI", "models");
        Directory.CreateDirectory(Path.Combine(models, "embeddings"));
        Directory.CreateDirectory(Path.Combine(models, "checkpoints"));
        HostileNames.WriteFile(Path.Combine(models, "embeddings"), [.. "evil"u8, 0xff, .. ".pt"u8], HostileNames.CodeExecutingPickle);
        await File.WriteAllBytesAsync(Path.Combine(models, "embeddings", "twin.pt"), HostileNames.CodeExecutingPickle);
        // its text, as a name
        await File.WriteAllBytesAsync(Path.Combine(models, "embeddings", "evil\\xff.pt"), HostileNames.Safetensors());
        HostileNames.WriteFile(
            Path.Combine(models, "checkpoints"),
            [.. "bad"u8, 0xff, 0xfe, .. ".safetensors"u8],
            HostileNames.Safetensors()
        );

        var result = await CliProcess.RunAsync(
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--json",
            "--cache",
            dir.Combine("cache.json")
        );

        Assert.Equal(1, result.ExitCode);
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        var findings = root.GetProperty("findings")
            .EnumerateArray()
            .Select(f => (f.GetProperty("code").GetString(), f.GetProperty("subject").GetString()))
            .ToList();
        Assert.Contains(("model.unsafe", "embeddings/evil\\xff.pt"), findings);
        Assert.Contains(("model.unsafe", "embeddings/twin.pt"), findings);
        var inventory = root.GetProperty("inventory")
            .GetProperty("models")
            .EnumerateArray()
            .ToDictionary(m => m.GetProperty("identity").GetString()!);
        Assert.Equal(
            ["checkpoints/bad\\xff\\xfe.safetensors", "embeddings/evil\\\\xff.pt", "embeddings/evil\\xff.pt", "embeddings/twin.pt"],
            inventory.Keys.Order(StringComparer.Ordinal)
        );
        var bad = inventory["checkpoints/bad\\xff\\xfe.safetensors"];
        Assert.Equal("valid", bad.GetProperty("format").GetProperty("status").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(HostileNames.Safetensors())), bad.GetProperty("sha256").GetString());
        byte[] rawPath = [.. Encoding.UTF8.GetBytes(Path.Combine(models, "checkpoints", "bad")), 0xff, 0xfe, .. ".safetensors"u8];
        Assert.Equal(rawPath, Convert.FromBase64String(bad.GetProperty("rawPath").GetString()!));
        Assert.False(inventory["embeddings/twin.pt"].TryGetProperty("rawPath", out _)); // only a path that needs it carries it

        var human = await CliProcess.RunAsync("check", "--comfyui", dir.Combine("ComfyUI"), "--cache", dir.Combine("cache.json"));
        Assert.Contains("embeddings/evil\\xff.pt", human.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("\ufffd", human.StdOut, StringComparison.Ordinal);
        var unsafeCount = findings.Count(f => f.Item1 == "model.unsafe");
        Console.WriteLine(
            $"RELIABILITY non-utf8-names: entries=4 inventoried={inventory.Count} unsafe-flagged={unsafeCount} "
                + $"raw-path-round-trips=1 exit={result.ExitCode}"
        );
    }

    [Fact]
    public async Task Fifos_sockets_and_devices_named_like_models_are_never_opened_and_are_findings()
    {
        using var dir = new TempDir();
        var models = dir.Combine("ComfyUI", "models");
        foreach (var folder in new[] { "checkpoints", "loras", "vae" })
        {
            Directory.CreateDirectory(Path.Combine(models, folder));
        }

        HostileNames.MakeFifo(Path.Combine(models, "checkpoints", "x.safetensors"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(models, "loras", "s.safetensors")));
        File.CreateSymbolicLink(Path.Combine(models, "vae", "null.safetensors"), "/dev/null");
        await File.WriteAllBytesAsync(Path.Combine(models, "checkpoints", "real.safetensors"), HostileNames.Safetensors());

        // Before: the FIFO's open waited for a writer forever (the run is killed after 3 minutes and the test fails).
        var result = await CliProcess.RunAsync(
            "check",
            "--comfyui",
            dir.Combine("ComfyUI"),
            "--json",
            "--cache",
            dir.Combine("cache.json")
        );

        Assert.Equal(0, result.ExitCode); // yellow, not red: nothing a render can load, nothing broken
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal("yellow", root.GetProperty("health").GetProperty("models").GetString());
        var notFiles = root.GetProperty("findings")
            .EnumerateArray()
            .Where(f => f.GetProperty("code").GetString() == "model.not-a-file")
            .ToDictionary(f => f.GetProperty("subject").GetString()!, f => f.GetProperty("message").GetString()!);
        Assert.StartsWith("a FIFO named like a model file", notFiles["checkpoints/x.safetensors"], StringComparison.Ordinal);
        Assert.StartsWith("a socket", notFiles["loras/s.safetensors"], StringComparison.Ordinal);
        Assert.StartsWith("a character device", notFiles["vae/null.safetensors"], StringComparison.Ordinal);
        var identities = root.GetProperty("inventory")
            .GetProperty("models")
            .EnumerateArray()
            .Select(m => m.GetProperty("identity").GetString())
            .ToList();
        Assert.Equal(["checkpoints/real.safetensors"], identities);
        Console.WriteLine(
            $"RELIABILITY fifo-socket-device: entries=3 findings={notFiles.Count} models={identities.Count} exit={result.ExitCode}"
        );
    }

    [Fact]
    public async Task Terminal_control_sequences_in_a_name_never_reach_the_terminal_raw()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(Path.Combine(comfy, "models", "loras"));
        const string name = "\u001b]0;pwned\u0007\u001b[2K\u009b31mhidden\u0085\r.safetensors";
        await File.WriteAllBytesAsync(Path.Combine(comfy, "models", "loras", name), [1, 2, 3, 4]);
        const string shown = "loras/\\x1b]0;pwned\\x07\\x1b[2K\\x9b31mhidden\\x85\\x0d.safetensors";

        var json = await CliProcess.RunAsync("check", "--comfyui", comfy, "--json", "--cache", dir.Combine("cache.json"));
        var human = await CliProcess.RunAsync("check", "--comfyui", comfy, "--cache", dir.Combine("cache.json"));

        // JSON stays exact (its encoder writes \u001b): a script gets the real name.
        var identities = JsonDocument
            .Parse(json.StdOut)
            .RootElement.GetProperty("inventory")
            .GetProperty("models")
            .EnumerateArray()
            .Select(m => m.GetProperty("identity").GetString())
            .ToList();
        Assert.Equal(["loras/" + name], identities);
        Assert.DoesNotContain(json.StdOut, IsControl);
        Assert.Contains(shown, human.StdOut, StringComparison.Ordinal);
        var raw = Raw(human.StdOut);

        var (report, compare, dashboard) = await ThroughTheServerAsync(dir, comfy);
        Assert.Contains(shown, report, StringComparison.Ordinal);
        Assert.Contains(shown, compare, StringComparison.Ordinal);
        Assert.Contains(shown, dashboard, StringComparison.Ordinal);
        Console.WriteLine(
            $"RELIABILITY terminal-injection: outputs=4 control-chars-raw={raw + Raw(report) + Raw(compare) + Raw(dashboard)} json-exact=1"
        );
        Assert.Equal(0, raw + Raw(report) + Raw(compare) + Raw(dashboard));
    }

    [Fact]
    public async Task Symlink_loops_are_cut_and_a_link_loop_and_an_unreadable_folder_are_findings()
    {
        using var dir = new TempDir();
        var checkpoints = dir.Combine("ComfyUI", "models", "checkpoints");
        Directory.CreateDirectory(Path.Combine(checkpoints, "a"));
        await File.WriteAllBytesAsync(Path.Combine(checkpoints, "m.safetensors"), HostileNames.Safetensors());
        File.CreateSymbolicLink(Path.Combine(checkpoints, "a", "up"), "../..");
        File.CreateSymbolicLink(Path.Combine(checkpoints, "loop-a.safetensors"), "loop-b.safetensors");
        File.CreateSymbolicLink(Path.Combine(checkpoints, "loop-b.safetensors"), "loop-a.safetensors");
        var outside = dir.Combine("shared-store");
        Directory.CreateDirectory(outside);
        await File.WriteAllBytesAsync(Path.Combine(outside, "o.safetensors"), HostileNames.Safetensors());
        File.CreateSymbolicLink(Path.Combine(checkpoints, "store"), outside);
        File.CreateSymbolicLink(Path.Combine(checkpoints, "store-again"), outside); // the same folder, never walked twice
        Directory.CreateDirectory(Path.Combine(checkpoints, "private"));
        await File.WriteAllBytesAsync(Path.Combine(checkpoints, "private", "p.safetensors"), HostileNames.Safetensors());
        File.SetUnixFileMode(Path.Combine(checkpoints, "private"), UnixFileMode.None);

        try
        {
            // Root reads any folder: the scan runs without the capabilities that let it (setpriv drops CAP_DAC_OVERRIDE and
            // CAP_DAC_READ_SEARCH from the bounding set), as a worker's service user would. It stays uid 0, so the build and the
            // temporary folder are reachable wherever the checkout lies (another uid could not enter a 0700 home).
            var result =
                Environment.UserName == "root"
                    ? await CliProcess.RunWithAsync(
                        "setpriv",
                        null,
                        [
                            "--bounding-set=-dac_override,-dac_read_search",
                            "dotnet",
                            Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll"),
                            "check",
                            "--comfyui",
                            dir.Combine("ComfyUI"),
                            "--json",
                            "--cache",
                            dir.Combine("cache.json"),
                        ]
                    )
                    : await CliProcess.RunAsync(
                        "check",
                        "--comfyui",
                        dir.Combine("ComfyUI"),
                        "--json",
                        "--cache",
                        dir.Combine("cache.json")
                    );

            Assert.True(result.ExitCode == 0, result.StdErr);
            var root = JsonDocument.Parse(result.StdOut).RootElement;
            var identities = root.GetProperty("inventory")
                .GetProperty("models")
                .EnumerateArray()
                .Select(m => m.GetProperty("identity").GetString()!)
                .ToList();
            Assert.Equal(["checkpoints/m.safetensors", "checkpoints/store/o.safetensors"], identities.Order(StringComparer.Ordinal));
            var unreadable = root.GetProperty("findings")
                .EnumerateArray()
                .Where(f => f.GetProperty("code").GetString() == "model.unreadable")
                .ToDictionary(f => f.GetProperty("subject").GetString()!, f => f.GetProperty("message").GetString()!);
            Assert.StartsWith("symbolic link loop", unreadable["checkpoints/loop-a.safetensors"], StringComparison.Ordinal);
            Assert.StartsWith("symbolic link loop", unreadable["checkpoints/loop-b.safetensors"], StringComparison.Ordinal);
            Assert.Equal("folder cannot be read (Permission denied): the models in it were not checked", unreadable["checkpoints/private"]);
            Console.WriteLine(
                $"RELIABILITY symlink-loops: identities={identities.Count} longest={identities.Max(i => i.Length)} "
                    + "link-loop-findings=2 unreadable-folder-findings=1 "
                    + $"as={(Environment.UserName == "root" ? "root-without-dac-capabilities" : Environment.UserName)}"
            );
        }
        finally
        {
            File.SetUnixFileMode(
                Path.Combine(checkpoints, "private"),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
        }
    }

    private static bool IsControl(char c) => char.IsControl(c) && c is not '\n' and not '\r' and not '\t';

    private static int Raw(string text) => text.Count(c => c is '\u001b' or '\u0007' or '\u009b' or '\u0085' or '\r');

    /// <summary>The same installation through a real server and agent: <c>report</c>, <c>compare</c> and the dashboard's worker
    /// page.</summary>
    private static async Task<(string Report, string Compare, string Dashboard)> ThroughTheServerAsync(TempDir dir, string comfy)
    {
        var port = FleetProcessTests.FreePort();
        var env = new Dictionary<string, string>
        {
            ["COMFYDOCTOR_ADMIN_TOKEN"] = "hostile-admin-token-123456",
            ["COMFYDOCTOR_ENROLL_TOKEN"] = "hostile-enroll-token-123456",
        };
        using var server = FleetProcessTests.Start(env, "server", "--urls", $"http://127.0.0.1:{port}", "--data", dir.Combine("server"));
        using var agent = FleetProcessTests.Start(
            env,
            "agent",
            "--server",
            $"http://127.0.0.1:{port}",
            "--name",
            "worker-9",
            "--comfyui",
            comfy,
            "--data",
            dir.Combine("agent")
        );
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            http.DefaultRequestHeaders.Authorization = new("Bearer", env["COMFYDOCTOR_ADMIN_TOKEN"]);
            await FleetProcessTests.WaitUntilAsync(async () =>
                (await FleetProcessTests.TryGetAsync(http, "admin/workers"))?.GetArrayLength() == 1
            );
            (await http.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { "worker-9" } })).EnsureSuccessStatusCode();
            await FleetProcessTests.WaitUntilAsync(async () =>
                (await FleetProcessTests.TryGetAsync(http, "admin/integrity-report/worker-9"))?.GetProperty("status").GetString() == "done"
            );
            string[] target = ["--server", $"http://127.0.0.1:{port}", "--token", env["COMFYDOCTOR_ADMIN_TOKEN"]];
            var report = await InProcessCli.RunAsync(["report", "worker-9", .. target]);
            var compare = await InProcessCli.RunAsync(["compare", "--all", .. target]);
            var page = await http.GetStringAsync("workers/worker-9");
            return (report.StdOut + report.StdErr, compare.StdOut + compare.StdErr, page);
        }
        finally
        {
            agent.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
        }
    }
}
