using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Issue 19 in the browser: an admin imports a ComfyUI-Manager snapshot for the tag the fleet carries, sees where
/// it applies and each worker's drift at once, plans "Match Snapshot", adopts a golden worker for another tag, downloads an
/// export and deletes a snapshot.</summary>
public sealed class SnapshotPageTests
{
    [Fact]
    public async Task An_admin_imports_a_snapshot_sees_the_drift_plans_match_snapshot_and_adopts_a_golden_worker()
    {
        await using var server = await DashboardServer.StartAsync();
        await server.WaitForScansAsync();
        using var admin = server.Admin();
        var demo = JsonDocument
            .Parse(await admin.GetStringAsync("admin/workers/gpu-01/snapshot?format=comfydoctor"))
            .RootElement.GetProperty("git_custom_nodes")
            .GetProperty(DemoWorkflow.PackUrlPrefix + "ComfyUI-DemoPack")
            .GetProperty("hash")
            .GetString()!;
        var file = Path.Combine(server.Folder, "render.json");
        await File.WriteAllTextAsync(
            file,
            $$"""
            {
                "comfyui": null,
                "git_custom_nodes": {
                    "{{DemoWorkflow.PackUrlPrefix}}ComfyUI-DemoPack": {
                        "hash": "{{demo}}",
                        "disabled": false
                    }
                },
                "cnr_custom_nodes": {},
                "file_custom_nodes": [],
                "pips": {}
            }
            """
        );
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.AdminToken);

        await page.GotoAsync("/snapshots");
        await page.Locator("input[name='file']").SetInputFilesAsync(file);
        await page.Locator("select[name='scope']").SelectOptionAsync("tag");
        await page.Locator("input[name='name']").FillAsync("render");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Stored render.json for tag 'render': 1 git packs");
        var row = page.Locator("#snapshots tr[data-snapshot='tag:render']");
        await Assertions.Expect(row).ToContainTextAsync("gpu-01, gpu-02, gpu-03");
        await Browser.ScreenshotAsync(page, "snapshots");

        await page.GotoAsync("/workers/gpu-02");
        await Assertions.Expect(page.Locator("tr[data-code='node.version-mismatch']")).ToContainTextAsync("snapshot of tag 'render'");
        await Assertions.Expect(page.Locator("tr[data-code='node.unexpected']")).ToContainTextAsync("quick_math.py");
        await page.GetByRole(AriaRole.Link, new() { Name = "Match Snapshot" }).ClickAsync();
        await Assertions
            .Expect(page.Locator($"table.plan-actions tr[data-subject='{DemoWorkflow.PackUrlPrefix}ComfyUI-DemoPack']"))
            .ToContainTextAsync("install-node-pack");
        await Browser.ScreenshotAsync(page, "snapshot-match-plan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run Match Snapshot on gpu-02" }).ClickAsync();
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished", new() { Timeout = 120_000 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Show the results" }).ClickAsync();
        var result = page.Locator(
            $"section.results[data-worker='gpu-02'] table.action-results tr[data-kind='install-node-pack']"
                + $"[data-subject='{DemoWorkflow.PackUrlPrefix}ComfyUI-DemoPack']"
        );
        await Assertions.Expect(result).ToHaveCountAsync(1); // per pack: before, after and why (the demo agent may not clone it)
        await Assertions.Expect(result).ToHaveAttributeAsync("data-outcome", new System.Text.RegularExpressions.Regex("^(done|failed)$"));

        await page.GotoAsync("/snapshots");
        await page.Locator("select[name='worker']").SelectOptionAsync("gpu-01");
        await page.Locator("input[name='tag']").FillAsync("golden");
        await page.GetByRole(AriaRole.Button, new() { Name = "Adopt" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Tag 'golden' now expects the state of gpu-01");
        await Assertions.Expect(page.Locator("#snapshots tr[data-snapshot='tag:golden']")).ToContainTextAsync("comfydoctor");
        var export = await page.APIRequest.GetAsync("/ui/workers/gpu-02/snapshot?format=manager");
        Assert.Equal(200, export.Status);
        Assert.StartsWith("{\n    \"comfyui\": ", await export.TextAsync(), StringComparison.Ordinal);

        await page.Locator("#snapshots tr[data-snapshot='tag:golden']").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Deleted the snapshot of tag 'golden'");
        await Assertions.Expect(page.Locator("#snapshots tr[data-snapshot='tag:golden']")).ToHaveCountAsync(0);
    }
}
