using System.Net;
using Microsoft.Playwright;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>Verify &amp; Repair from the dashboard, in real headless Chromium, with real agents moving real files.</summary>
public sealed class RepairEndToEndTests
{
    private static readonly string[] Broken =
    [
        "loras/detail-tweaker.safetensors",
        "vae/sdxl_vae.safetensors",
        "text_encoders/t5xxl_fp8_e4m3fn.safetensors",
    ];

    [Fact]
    public async Task Verify_and_repair_shows_its_plan_runs_on_confirmation_updates_live_and_the_models_turn_green()
    {
        // gpu-01 and gpu-03 keep only defects a repair can fix (their unsafe embedding and unknown upscaler are removed);
        // gpu-02 holds the verified copies they will be given through the server's relay. The test drives gpu-01's agent
        // job by job; the others run on their own.
        await using var server = await DashboardServer.StartAsync(manual: "gpu-01", prepare: fleet =>
        {
            foreach (var worker in new[] { fleet.Workers[0], fleet.Workers[2] })
            {
                File.Delete(Path.Combine(worker.ComfyUiRoot, "models", "embeddings", "free-prompts.pt"));
                File.Delete(Path.Combine(worker.ComfyUiRoot, "models", "upscale_models", "4x-UltraSharp.pth"));
            }
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
            await Assertions
                .Expect(page.Locator($"section.plan[data-worker='gpu-01'] tr[data-subject='{subject}']"))
                .ToContainTextAsync("sync-model");
        }

        await Browser.ScreenshotAsync(page, "repair-plan");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run Verify & Repair on gpu-01" })).ToHaveCountAsync(1);

        // Several workers at once, from the repairs page: plan, then run.
        await page.GotoAsync("/repairs");
        await page.GetByLabel("gpu-01").CheckAsync();
        await page.GetByLabel("gpu-03").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the plan" }).ClickAsync();
        await Assertions.Expect(page.Locator("section.plan")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Run Verify & Repair on gpu-01, gpu-03" }).ClickAsync();
        await page.WaitForURLAsync("**/repairs/*");
        var jobOfOne = page.Locator("#progress tr[data-job]").Filter(new() { HasText = "gpu-01" });
        await Assertions.Expect(jobOfOne).ToHaveAttributeAsync("data-state", "queued"); // its agent has not taken it yet
        await page.EvaluateAsync("window.stillTheSamePage = true");

        // The agent takes the job now; the page follows it over server-sent events, without reloading.
        await server.Manual!.PollOnceAsync(CancellationToken.None);
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Finished");
        Assert.True(await page.EvaluateAsync<bool>("window.stillTheSamePage === true"));
        await Assertions.Expect(page.Locator("#live-log li").First).ToContainTextAsync("Live: gpu-01");
        foreach (var subject in Broken)
        {
            await Assertions.Expect(page.Locator($"#progress tr[data-key$='|sync-model|{subject}']")).ToHaveCountAsync(2); // one per worker
            foreach (var row in await page.Locator($"#progress tr[data-key$='|sync-model|{subject}']").AllAsync())
            {
                await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "done");
            }
        }

        await Browser.ScreenshotAsync(page, "repairs");

        // Finished jobs keep their per-model results; the workers' models are green, and so are the workers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Show the results" }).ClickAsync();
        await Assertions.Expect(page.Locator("section.results[data-worker='gpu-01']")).ToContainTextAsync("detail-tweaker.safetensors");
        await Assertions
            .Expect(page.Locator("#progress tr[data-key$='|sync-model|loras/detail-tweaker.safetensors'] td[data-field='message']"))
            .ToHaveCountAsync(2);
        foreach (
            var source in await page.Locator(
                    "#progress tr[data-key$='|sync-model|loras/detail-tweaker.safetensors'] td[data-field='message']"
                )
                .AllAsync()
        )
        {
            await Assertions.Expect(source).ToContainTextAsync("worker gpu-02"); // the peer that had the verified copy
        }

        await page.GotoAsync("/");
        foreach (var worker in new[] { "gpu-01", "gpu-03" })
        {
            await Assertions.Expect(page.Locator($"tr[data-worker='{worker}'] td[data-category='Models']")).ToContainTextAsync("OK");
            await Assertions.Expect(page.Locator($"tr[data-worker='{worker}']")).ToHaveAttributeAsync("data-status", "green");
        }

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
        var response = await page.APIRequest.PostAsync(
            "/ui/repair",
            new()
            {
                Form = page
                    .APIRequest.CreateFormData()
                    .Append("__RequestVerificationToken", token!)
                    .Append("workers", "gpu-01")
                    .Append("action", "verify-and-repair"),
                MaxRedirects = 0,
            }
        );
        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
    }
}
