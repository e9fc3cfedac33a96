using System.Diagnostics;
using ComfyDoctor.Tests.Support;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>
/// Issue 19.4 in real headless Chromium: a "Match Snapshot" repair over two workers whose ComfyUI interpreters are real venvs,
/// moved by real pip from wheels the test builds. gpu-01's tinydep moves 1.0.0 → 2.0.0 while its torch is left alone (the
/// torch family is never changed without the admin's allowance); on gpu-02 pip pulls torch in as a dependency of
/// needs-new-torch, the verification refuses it and everything is rolled back. The results page — and each worker's page —
/// shows every package as a row: wanted, before, after, outcome and why.
/// </summary>
public sealed class PackageResultsPageTests
{
    /// <summary>gpu-01's snapshot as ComfyUI-Manager's YAML, imported through the snapshots page.</summary>
    private const string GoldenYaml = "custom_nodes:\n  comfyui: null\n  pips:\n    tinydep==2.0.0: ''\n    torch==9.9.0: ''\n";

    private const string DriftedJson = """{"pips": {"tinydep==2.0.0": "", "needs-new-torch==1.0.0": "", "torch==2.0.0": ""}}""";

    [Fact]
    public async Task Match_snapshot_results_show_each_package_installed_rolled_back_or_left_alone_with_why()
    {
        var work = Path.Combine(Path.GetTempPath(), "cdpkgs-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var wheels = Path.Combine(work, "wheels");
            WheelBuilder.Build(wheels, "torch", "2.0.0");
            WheelBuilder.Build(wheels, "torch", "9.9.0");
            WheelBuilder.Build(wheels, "tinydep", "1.0.0");
            WheelBuilder.Build(wheels, "tinydep", "2.0.0");
            WheelBuilder.Build(wheels, "needs-new-torch", "1.0.0", "torch>=9");
            var golden = await VenvAsync(work, "gpu-01", wheels, "torch==2.0.0", "tinydep==1.0.0");
            var drifted = await VenvAsync(work, "gpu-02", wheels, "tinydep==1.0.0");
            await using var server = await DashboardServer.StartAsync(
                python: w =>
                    w switch
                    {
                        "gpu-01" => golden,
                        "gpu-02" => drifted,
                        _ => null,
                    },
                pipArgs: ["--no-index", "--find-links", wheels]
            );
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.NewPageAsync(server.Url);
            await Browser.SignInAsync(page, DashboardServer.AdminToken);

            var yaml = Path.Combine(work, "gpu-01.yaml");
            await File.WriteAllTextAsync(yaml, GoldenYaml);
            await page.GotoAsync("/snapshots");
            await page.Locator("input[name='file']").SetInputFilesAsync(yaml);
            await page.Locator("select[name='scope']").SelectOptionAsync("worker");
            await page.Locator("input[name='name']").FillAsync("gpu-01");
            await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stored gpu-01.yaml for worker 'gpu-01'");
            await Assertions.Expect(page.Locator("#snapshots tr[data-snapshot='worker:gpu-01']")).ToContainTextAsync("manager-yaml");
            using (var admin = server.Admin())
            using (var body = new StringContent(DriftedJson))
            {
                (await admin.PutAsync("admin/snapshots/workers/gpu-02?file=gpu-02.json", body)).EnsureSuccessStatusCode();
            }

            await page.GotoAsync("/repair-plan?w=gpu-01&w=gpu-02&action=match-snapshot");
            await Assertions
                .Expect(page.Locator("section.plan[data-worker='gpu-02'] table.plan-actions tr[data-subject='python']"))
                .ToContainTextAsync("install-python-packages");
            await page.GetByRole(AriaRole.Button, new() { Name = "Run Match Snapshot on gpu-01, gpu-02" }).ClickAsync();
            await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished", new() { Timeout = 240_000 });
            await page.GetByRole(AriaRole.Link, new() { Name = "Show the results" }).ClickAsync();

            var first = page.Locator("section.results[data-worker='gpu-01'] table.package-results");
            await ExpectRowAsync(first, "tinydep", "installed", ["2.0.0", "1.0.0", "2.0.0"]);
            await ExpectRowAsync(first, "torch", "left-alone", ["9.9.0", "2.0.0", "2.0.0", "torch family or CUDA wheel: left as it is"]);
            var second = page.Locator("section.results[data-worker='gpu-02'] table.package-results");
            await ExpectRowAsync(second, "needs-new-torch", "rolled-back", ["1.0.0", "absent", "absent", "put back to absent"]);
            await ExpectRowAsync(second, "tinydep", "rolled-back", ["2.0.0", "1.0.0", "1.0.0", "was 2.0.0 after pip, put back to 1.0.0"]);
            await ExpectRowAsync(second, "torch", "rolled-back", ["(dependency)", "absent", "absent"]);
            await ExpectRowAsync(second, "torch", "left-alone", ["2.0.0", "absent", "absent", "plan again with allow-torch-family"]);
            await Assertions
                .Expect(page.Locator("section.results[data-worker='gpu-02'] table.action-results tr[data-kind='install-python-packages']"))
                .ToContainTextAsync("a torch-family package moved, and the admin did not allow it");
            await Browser.ScreenshotAsync(page, "package-results");

            // The worker's page shows its latest repair the same way.
            await page.GotoAsync("/workers/gpu-02");
            await ExpectRowAsync(page.Locator("#latest-repair table.package-results"), "needs-new-torch", "rolled-back", ["1.0.0"]);

            // What the rows say is what pip's own metadata says now.
            var moved = await FreezeAsync(golden);
            Assert.Contains("tinydep==2.0.0", moved, StringComparison.Ordinal);
            Assert.Contains("torch==2.0.0", moved, StringComparison.Ordinal);
            var left = await FreezeAsync(drifted);
            Assert.Contains("tinydep==1.0.0", left, StringComparison.Ordinal);
            Assert.DoesNotContain("torch", left, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The one row of that package and outcome, whose cells hold the texts given: wanted, before, after, and why.</summary>
    private static async Task ExpectRowAsync(ILocator table, string package, string outcome, string[] cells)
    {
        int[] columns = [1, 2, 3, 5]; // package, wanted, before, after, outcome, why
        var row = table.Locator($"tr[data-package='{package}'][data-outcome='{outcome}']");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        for (var i = 0; i < cells.Length; i++)
        {
            await Assertions.Expect(row.Locator("td").Nth(columns[i])).ToContainTextAsync(cells[i]);
        }
    }

    /// <summary>A real venv with the given packages installed from the test's wheelhouse; its interpreter.</summary>
    private static async Task<string> VenvAsync(string work, string name, string wheels, params string[] packages)
    {
        var venv = Path.Combine(work, "venvs", name);
        await RunAsync("python3", "-m", "venv", venv);
        var python = Path.Combine(venv, "bin", "python");
        await RunAsync(python, ["-m", "pip", "--disable-pip-version-check", "install", "--no-index", "--find-links", wheels, .. packages]);
        return python;
    }

    private static Task<string> FreezeAsync(string python) => RunAsync(python, "-m", "pip", "--disable-pip-version-check", "freeze");

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {error}");
        return await output;
    }
}
