using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>The dashboard in real headless Chromium against a real server with the demo fleet's real agents.</summary>
public sealed class DashboardEndToEndTests
{
    [Fact]
    public async Task An_admin_finds_the_red_worker_its_models_the_differences_the_graph_and_the_orphans()
    {
        await using var server = await DashboardServer.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);

        await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal); // no session: the sign-in page
        await Browser.ScreenshotAsync(page, "signin");
        await Browser.SignInAsync(page, DashboardServer.AdminToken);

        // Fleet: gpu-01 is red, and its models cell says why in words, not only in colour.
        var red = page.Locator("tr[data-worker='gpu-01']");
        await Assertions.Expect(red).ToHaveAttributeAsync("data-status", "red");
        var models = red.Locator("td[data-category='Models']");
        await Assertions.Expect(models).ToContainTextAsync("Failing");
        await Assertions.Expect(models.Locator(".why")).ToContainTextAsync("model.");
        await Assertions.Expect(page).ToHaveTitleAsync("Fleet · ComfyDoctor");
        // Its agent's build, as the hello said it (issue 18.4).
        var build = Core.Protocol.BuildInfo.Current;
        await Assertions.Expect(red.Locator("[data-agent-version]")).ToHaveAttributeAsync("data-agent-version", build.Version);
        await Assertions
            .Expect(red.Locator("[data-agent-version]"))
            .ToContainTextAsync($"{build.Version} · {build.Commit} · {build.Os}-{build.Arch}");
        await Browser.ScreenshotAsync(page, "fleet");
        await page.GetByRole(AriaRole.Button, new() { Name = "Scan all" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Scan queued for 3 workers");
        await server.WaitForScansAsync();

        // Filter by status and by tag, on the server.
        await page.GotoAsync("/?status=red");
        await Assertions.Expect(page.Locator("#fleet tbody tr[data-status='green']")).ToHaveCountAsync(0);
        await page.GotoAsync("/?tag=spare");
        await Assertions.Expect(page.Locator("#fleet tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#fleet tbody tr")).ToHaveAttributeAsync("data-worker", "gpu-03");

        // Worker: keyboard to the worker link, open it, the models section is expanded and names the corrupted LoRA with both hashes.
        await page.GotoAsync("/");
        await page.Locator("tr[data-worker='gpu-01'] a").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/workers/gpu-01");
        var section = page.Locator("details[data-category='Models']");
        await Assertions.Expect(section).ToHaveAttributeAsync("open", "");
        var lora = section.Locator("tr[data-model='loras/detail-tweaker.safetensors'][data-code='model.corrupted']");
        await Assertions.Expect(lora).ToHaveCountAsync(1);
        var hashes = await lora.Locator("td.mono").AllInnerTextsAsync();
        Assert.Matches("^[0-9a-f]{64}$", hashes[1]);
        Assert.Matches("^[0-9a-f]{64}$", hashes[2]);
        Assert.NotEqual(hashes[1], hashes[2]); // expected and actual differ
        var checkpoint = section.Locator("tr[data-model='checkpoints/sd15/dreamshaper_8.safetensors']"); // kind and family from its header
        await Assertions.Expect(checkpoint.Locator("td.kind")).ToHaveTextAsync("full checkpoint");
        await Assertions.Expect(checkpoint.Locator("td.family")).ToHaveTextAsync("SD1.x");
        var nodes = page.Locator("details[data-category='Nodes']"); // green, so closed; the keyboard opens it
        await Assertions.Expect(nodes).Not.ToHaveAttributeAsync("open", "");
        await nodes.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(nodes).ToHaveAttributeAsync("open", "");
        await Assertions.Expect(nodes.Locator("tr[data-pack='ComfyUI-DemoPack']")).ToContainTextAsync("v1.2.0");
        await Browser.ScreenshotAsync(page, "worker");

        // The unsafe embedding cannot be repaired, only quarantined: named on the worker page, planned, then run.
        await page.GetByLabel("Quarantine embeddings/free-prompts.pt").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Plan quarantine of the selected files" }).ClickAsync();
        await Assertions
            .Expect(page.Locator("section.plan[data-worker='gpu-01'] tr[data-subject='embeddings/free-prompts.pt']"))
            .ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Run Quarantine on gpu-01" }).ClickAsync();
        await page.WaitForURLAsync("**/repairs/*");
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished");
        await page.GotoAsync("/workers/gpu-01");
        await Assertions.Expect(page.Locator("tr[data-model='embeddings/free-prompts.pt']")).ToHaveCountAsync(0);
        await Assertions
            .Expect(page.Locator("tr[data-model='loras/detail-tweaker.safetensors'][data-code='model.corrupted']"))
            .ToHaveCountAsync(1); // nothing else touched

        // Compare gpu-01 and gpu-03 against gpu-01: the node pack gpu-03 lacks is a highlighted, marked cell.
        await page.GotoAsync("/compare?w=gpu-01&w=gpu-03&reference=gpu-01&diff=true");
        var pack = page.Locator("tr[data-attribute='https://github.com/comfydoctor-demo/ComfyUI-DemoPack'] td[data-worker='gpu-03']");
        await Assertions.Expect(pack).ToHaveClassAsync(new Regex("differs"));
        await Assertions.Expect(pack).ToHaveTextAsync("absent");
        // the reference never differs from itself
        await Assertions.Expect(page.Locator("td[data-worker='gpu-01'].differs")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "compare");
        // Only models that differ are listed (identical ones are counted); each says its kind and family: gpu-02's LoRA was
        // repaired from the mirror, gpu-03's still has the flipped byte.
        await page.GotoAsync("/compare?w=gpu-02&w=gpu-03&reference=gpu-02");
        await Assertions
            .Expect(page.Locator("tr[data-attribute='loras/detail-tweaker.safetensors'] td[data-worker='gpu-03']"))
            .ToContainTextAsync("LoRA, SD1.x");
        await Assertions.Expect(page.Locator("tr[data-attribute='checkpoints/sd15/dreamshaper_8.safetensors']")).ToHaveCountAsync(0);

        // Workflows: upload one, see it in the graph, missing its pack on gpu-03, and the models it does not use as orphans.
        await page.GotoAsync("/workflows");
        await page.Locator("input[name='file']").SetInputFilesAsync(Path.Combine(AppContext.BaseDirectory, "fixtures", "portrait.json"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload workflow" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Workflow 'portrait' registered");
        await Assertions.Expect(page.Locator("svg g.node[data-id='workflow:portrait']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("svg path.edge[data-from='workflow:portrait']")).ToHaveCountAsync(3);
        await Assertions
            .Expect(page.Locator("svg g.node[data-id='pack:https://github.com/comfydoctor-demo/ComfyUI-DemoPack']"))
            .ToHaveAttributeAsync("data-missing", "1");
        await Assertions.Expect(page.Locator("#orphaned-models tr[data-model='upscale_models/4x-UltraSharp.pth']")).ToHaveCountAsync(1);
        await Assertions
            .Expect(page.Locator("#orphaned-models tr[data-model='checkpoints/sd15/dreamshaper_8.safetensors']"))
            .ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "workflows");

        await page.GotoAsync("/registry");
        await Assertions.Expect(page.Locator("#registry tr[data-model='loras/detail-tweaker.safetensors']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#registry tr[data-model='upscale_models/4x-UltraSharp.pth']")).ToHaveCountAsync(0);
        await page.GetByLabel("Adopt the models of").SelectOptionAsync("gpu-02");
        await page.GetByRole(AriaRole.Button, new() { Name = "Adopt as known-good" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("models of gpu-02 as known-good");
        // gpu-02's unknown upscaler is known now
        await Assertions.Expect(page.Locator("#registry tr[data-model='upscale_models/4x-UltraSharp.pth']")).ToHaveCountAsync(1);
        // adopt filled the family
        await Assertions.Expect(page.Locator("#registry tr[data-model='loras/shared-style.safetensors']")).ToContainTextAsync("SDXL");
        await Browser.ScreenshotAsync(page, "registry");

        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("#chain-status")).ToContainTextAsync("Chain intact");
        await Assertions.Expect(page.Locator("#audit")).ToContainTextAsync("workflow.add");
        await page.GotoAsync("/audit?action=registry.");
        await Assertions.Expect(page.Locator("#audit tbody tr")).ToHaveCountAsync(2); // the demo registry's import and the adoption
        await Assertions.Expect(page.Locator("#audit tbody")).ToContainTextAsync("dashboard:admin");
        await Browser.ScreenshotAsync(page, "audit");
    }

    [Fact]
    public async Task A_viewer_sees_the_fleet_but_no_buttons_that_change_anything()
    {
        await using var server = await DashboardServer.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.ViewerToken);

        await Assertions.Expect(page.Locator("tr[data-worker='gpu-01']")).ToHaveAttributeAsync("data-status", "red");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Scan all" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".readonly").First).ToContainTextAsync("Read-only");
        await page.GotoAsync("/registry");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Import" })).ToHaveCountAsync(0);
    }
}
