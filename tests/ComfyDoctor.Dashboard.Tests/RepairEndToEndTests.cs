using System.Net;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Verify &amp; Repair from the dashboard, in real headless Chromium, with real agents moving real files.</summary>
public sealed class RepairEndToEndTests
{
    private static readonly string[] Broken = ["loras/detail-tweaker.safetensors", "vae/sdxl_vae.safetensors", "text_encoders/t5xxl_fp8_e4m3fn.safetensors"];

    [Fact]
    public async Task Verify_and_repair_shows_its_plan_runs_on_confirmation_updates_live_and_the_models_turn_green()
    {
        // gpu-01 keeps only defects a repair can fix (its unsafe embedding and unknown upscaler are removed); gpu-02 holds
        // the verified copies it will be given through the server's relay. The test drives gpu-01's agent job by job.
        await using var server = await DashboardServer.StartAsync(manual: "gpu-01", prepare: fleet =>
        {
            File.Delete(Path.Combine(fleet.Workers[0].ComfyUiRoot, "models", "embeddings", "free-prompts.pt"));
            File.Delete(Path.Combine(fleet.Workers[0].ComfyUiRoot, "models", "upscale_models", "4x-UltraSharp.pth"));
        });
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.AdminToken);

        var models = page.Locator("tr[data-worker='gpu-01'] td[data-category='Models']");
        await Assertions.Expect(page.Locator("tr[data-worker='gpu-01']")).ToHaveAttributeAsync("data-status", "red");
        await Assertions.Expect(models).ToContainTextAsync("Failing");

        // The plan first: nothing has changed yet, each broken model is listed with its sources.
        await page.GotoAsync("/workers/gpu-01");
        await page.GetByRole(AriaRole.Link, new() { Name = "Verify & Repair" }).ClickAsync();
        await page.WaitForURLAsync("**/repair-plan?**");
        foreach (var subject in Broken)
        {
            await Assertions.Expect(page.Locator($"section.plan[data-worker='gpu-01'] tr[data-subject='{subject}']")).ToContainTextAsync("sync-model");
        }

        await Browser.ScreenshotAsync(page, "repair-plan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run Verify & Repair on gpu-01" }).ClickAsync();
        await page.WaitForURLAsync("**/repairs/*");
        await Assertions.Expect(page.Locator("#progress tr[data-job]")).ToHaveAttributeAsync("data-state", "queued"); // no agent has taken it yet
        await page.EvaluateAsync("window.stillTheSamePage = true");

        // The agent takes the job now; the page follows it over server-sent events, without reloading.
        await server.Manual!.PollOnceAsync(CancellationToken.None);
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished");
        Assert.True(await page.EvaluateAsync<bool>("window.stillTheSamePage === true"));
        await Assertions.Expect(page.Locator("#live-log li").First).ToContainTextAsync("Live: gpu-01");
        foreach (var subject in Broken)
        {
            await Assertions.Expect(page.Locator($"#progress tr[data-key$='|sync-model|{subject}']")).ToHaveAttributeAsync("data-state", "done");
        }

        await Browser.ScreenshotAsync(page, "repairs");

        // Finished jobs keep their per-model results; the worker's models are green, and it is no longer red.
        await page.GetByRole(AriaRole.Link, new() { Name = "Show the results" }).ClickAsync();
        await Assertions.Expect(page.Locator("section.results[data-worker='gpu-01']")).ToContainTextAsync("detail-tweaker.safetensors");
        await Assertions.Expect(page.Locator("#progress tr[data-key$='|sync-model|loras/detail-tweaker.safetensors'] td[data-field='message']")).ToContainTextAsync("worker gpu-02");
        await page.GotoAsync("/");
        await Assertions.Expect(models).ToContainTextAsync("OK");
        await Assertions.Expect(page.Locator("tr[data-worker='gpu-01']")).Not.ToHaveAttributeAsync("data-status", "red");
        await page.GotoAsync("/repairs");
        await Assertions.Expect(page.Locator("#repairs tbody tr")).ToContainTextAsync("finished");
    }

    [Fact]
    public async Task A_viewer_sees_a_plan_but_cannot_run_it()
    {
        await using var server = await DashboardServer.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(server.Url);
        await Browser.SignInAsync(page, DashboardServer.ViewerToken);

        await page.GotoAsync("/repair-plan?w=gpu-01&action=verify-and-repair");
        await Assertions.Expect(page.Locator("section.plan[data-worker='gpu-01']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run Verify & Repair on gpu-01" })).ToHaveCountAsync(0);

        // Posting the confirmation anyway, with a valid anti-forgery token from the page, is refused by the server.
        var token = await page.Locator("input[name='__RequestVerificationToken']").First.GetAttributeAsync("value");
        var response = await page.APIRequest.PostAsync("/ui/repair", new() { Form = page.APIRequest.CreateFormData()
            .Append("__RequestVerificationToken", token!).Append("workers", "gpu-01").Append("action", "verify-and-repair"), MaxRedirects = 0 });
        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
    }
}
