using ComfyDoctor.Server.Tests.Catalog;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Issue 15.2 in the browser: an admin imports ComfyUI-Manager's real files, registers a hint-free real workflow,
/// sees each custom node type's pack, evidence and runners-up, and pins a runner-up in one click.</summary>
public sealed class CatalogPageTests
{
    [Fact]
    public async Task An_admin_imports_the_catalog_sees_the_resolution_and_pins_a_runner_up_in_one_click()
    {
        await using var server = await DashboardServer.StartAsync(withAgents: false);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.AdminToken);
        var workflow = Path.Combine(server.Folder, "leapfusion.json");
        await File.WriteAllTextAsync(workflow, CorpusFiles.HintFree(CorpusFiles.KjWorkflow));

        await page.GotoAsync("/workflows");
        await Assertions.Expect(page.Locator("#catalog-empty")).ToHaveCountAsync(1);
        await page.Locator("input[name='files']").SetInputFilesAsync([CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import catalog" }).ClickAsync();
        await Assertions
            .Expect(page.GetByRole(AriaRole.Status))
            .ToContainTextAsync("Imported extension-node-map.json, custom-node-list.json, github-stats.json");
        await Assertions
            .Expect(page.Locator("#catalog-files tr[data-file='extension-node-map.json']"))
            .ToContainTextAsync("dashboard:admin");

        await page.Locator("input[name='file']").First.SetInputFilesAsync(workflow);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload workflow" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Workflow 'leapfusion' registered");
        var resize = page.Locator("table.resolution[data-workflow='leapfusion'] tr[data-type='ImageResizeKJ']");
        await Assertions.Expect(resize.Locator("td.pack")).ToContainTextAsync("https://github.com/kijai/ComfyUI-KJNodes");
        await Assertions.Expect(resize.Locator("td.evidence")).ToContainTextAsync("ExactName");
        var runnerUp = resize.Locator(".alternative").First;
        var url = await runnerUp.GetAttributeAsync("data-url");
        Assert.NotNull(url);
        await Browser.ScreenshotAsync(page, "catalog-resolution");

        await runnerUp.GetByRole(AriaRole.Button, new() { Name = "Pin this" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Pinned ImageResizeKJ");
        await Assertions.Expect(resize.Locator("td.pack")).ToContainTextAsync(url);
        await Assertions.Expect(resize.Locator("td.evidence")).ToHaveAttributeAsync("data-evidence", "Pin");
        await Assertions.Expect(page.Locator("#catalog-pins")).ToContainTextAsync("1 pinned node types");
        await Browser.ScreenshotAsync(page, "catalog-pinned");
    }
}
