using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>
/// Issue 19.1 end to end: real agents probe ComfyUI's checkout (a real git repository) and the packages of ComfyUI's
/// interpreter (the real python3; each worker's ComfyUI folder — first on <c>sys.path</c>, as when ComfyUI runs — holds
/// the metadata of its own xformers), the server stores them, and the worker page and the compare view show them.
/// </summary>
public sealed partial class RuntimeInventoryPageTests
{
    [Fact]
    public async Task The_worker_page_lists_the_packages_and_the_compare_view_only_the_ones_that_differ()
    {
        string? head = null;
        await using var server = await DashboardServer.StartAsync(prepare: fleet =>
        {
            var gpu01 = fleet.Workers.Single(w => w.Name == "gpu-01").ComfyUiRoot;
            Distribution(gpu01, "xformers", "0.0.28");
            Distribution(fleet.Workers.Single(w => w.Name == "gpu-03").ComfyUiRoot, "xformers", "0.0.27");
            Git(gpu01, "init", "--quiet");
            Git(gpu01, "add", "comfyui_version.py");
            Git(gpu01, "commit", "--quiet", "-m", "ComfyUI");
            head = Git(gpu01, "rev-parse", "HEAD");
        });
        using var session = new BrowserlessClient(server.Url);
        await session.SignInAsync(DashboardServer.AdminToken);

        var worker = await session.Http.GetStringAsync("/workers/gpu-01");
        Assert.Matches($"ComfyUI commit</th><td class=\"mono\">{head![..12]}</td>", worker);
        Assert.Matches("<tr data-package=\"xformers\">\\s*<td class=\"mono\">xformers</td>\\s*<td class=\"mono\">0.0.28</td>", worker);
        Assert.Contains("<tr data-package=\"pip\">", worker, StringComparison.Ordinal);

        var compare = await session.Http.GetStringAsync("/compare?w=gpu-01&w=gpu-03&reference=gpu-01");
        Assert.Matches("<tr data-attribute=\"xformers\">[^€]*?data-worker=\"gpu-03\" data-differs=\"true\">0.0.27</td>", compare);
        Assert.DoesNotContain("<tr data-attribute=\"pip\">", compare, StringComparison.Ordinal); // the same on both: counted only
        var counted = PackageLine().Match(compare);
        Assert.True(counted.Success, "the compare view counts the packages");
        Assert.Equal("1", counted.Groups["differ"].Value);
        Assert.Matches(
            "data-attribute=\"comfyui commit\">[^€]*?data-worker=\"gpu-03\" data-differs=\"true\">not a git checkout</td>",
            compare
        );

        using var admin = server.Admin();
        var api = await admin.GetFromJsonAsync<JsonElement>("admin/compare?workers=gpu-01,gpu-03&reference=gpu-01");
        Assert.Equal(1, api.GetProperty("packages").GetProperty("differing").GetInt32());
        Assert.Contains(api.GetProperty("rows").EnumerateArray(), r =>
            r.GetProperty("category").GetString() == "python" && r.GetProperty("attribute").GetString() == "xformers"
        );
        Console.WriteLine($"RELIABILITY runtime-inventory: packages-compared={counted.Groups["compared"].Value} differing=1");
    }

    /// <summary>The metadata pip leaves for an installed distribution (a <c>.dist-info</c> folder), in a folder on
    /// <c>sys.path</c>.</summary>
    private static void Distribution(string folder, string name, string version)
    {
        var info = Path.Combine(folder, $"{name}-{version}.dist-info");
        Directory.CreateDirectory(info);
        File.WriteAllText(Path.Combine(info, "METADATA"), $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    }

    private static string Git(string repo, params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-C", repo, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, git.StandardError.ReadToEnd());
        return output.Trim();
    }

    [GeneratedRegex(@"Python packages: (?<compared>[\d,]+) compared,\s*(?<differ>[\d,]+) differ")]
    private static partial Regex PackageLine();
}
