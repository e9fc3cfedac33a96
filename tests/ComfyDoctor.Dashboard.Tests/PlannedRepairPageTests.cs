using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Issue 14, 4 in real headless Chromium: the plan shown is the plan run; what moved since is shown, with a fresh plan.</summary>
public sealed class PlannedRepairPageTests
{
    private const string Lora = "loras/detail-tweaker.safetensors";

    [Fact]
    public async Task Run_confirms_the_plan_shown_and_a_model_changed_since_is_left_alone_with_a_fresh_plan_offered()
    {
        await using var server = await DashboardServer.StartAsync(manual: "gpu-01");
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.AdminToken);

        await page.GotoAsync("/workers/gpu-01");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sync Models" }).ClickAsync();
        await page.WaitForURLAsync("**/repair-plan?**");
        await Assertions
            .Expect(page.Locator($"section.plan[data-worker='gpu-01'] tr[data-subject='{Lora}']"))
            .ToContainTextAsync("sync-model");
        var planId = await page.Locator("#plan-id").GetAttributeAsync("data-plan");
        Assert.Equal(planId, await page.Locator("input[name='plan']").GetAttributeAsync("value"));

        // The LoRA is replaced by hand while the admin reads the plan.
        var lora = Path.Combine(server.Fleet.Workers[0].ComfyUiRoot, "models", Lora);
        byte[] handMade = [.. await File.ReadAllBytesAsync(lora), 42];
        await File.WriteAllBytesAsync(lora, handMade);

        await page.GetByRole(AriaRole.Button, new() { Name = "Run Sync Models on gpu-01" }).ClickAsync();
        await page.WaitForURLAsync("**/repairs/*");
        await Assertions.Expect(page.Locator("#confirmed-plan")).ToHaveAttributeAsync("href", $"/repair-plan?plan={planId}");
        await server.Manual!.PollOnceAsync(CancellationToken.None);
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished");
        await Assertions
            .Expect(page.Locator($"#progress tr[data-key$='|sync-model|{Lora}']"))
            .ToHaveAttributeAsync("data-state", "changed");

        await page.GetByRole(AriaRole.Link, new() { Name = "Show the results" }).ClickAsync();
        await Assertions.Expect(page.Locator("section.results[data-worker='gpu-01'] .changed")).ToContainTextAsync(Lora);
        Assert.Equal(handMade, await File.ReadAllBytesAsync(lora)); // left as it was
        await page.GetByRole(AriaRole.Link, new() { Name = "Review a fresh plan from the re-scan" }).ClickAsync();
        await Assertions
            .Expect(page.Locator($"section.plan[data-worker='gpu-01'] tr[data-subject='{Lora}']"))
            .ToContainTextAsync("sync-model");
        Assert.NotEqual(planId, await page.Locator("#plan-id").GetAttributeAsync("data-plan"));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run Sync Models on gpu-01" })).ToHaveCountAsync(1);

        // The first plan, opened again, says it ran and offers no second run.
        await page.GotoAsync($"/repair-plan?plan={planId}");
        await Assertions.Expect(page.Locator("#plan-id")).ToContainTextAsync("already run");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run Sync Models on gpu-01" })).ToHaveCountAsync(0);
    }
}
