using System.Net;
using System.Text.RegularExpressions;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Dashboard.Tests;

/// <summary>The fleet page at 1,000 workers: filtered and paged on the server, 50 rows a page.</summary>
public sealed partial class FleetScaleTests
{
    [Fact]
    public async Task A_thousand_workers_are_filtered_and_paged_on_the_server()
    {
        await using var server = await DashboardServer.StartAsync();
        await AddWorkersLikeAsync(server, "gpu-01", 1000); // each with a copy of gpu-01's finished (red) scan

        using var browser = new BrowserlessClient(server.Url);
        await browser.SignInAsync(DashboardServer.AdminToken);
        var first = await browser.Http.GetStringAsync("/");
        Assert.Equal(50, Rows().Count(first));
        Assert.Contains("Page 1 of 21", first, StringComparison.Ordinal); // 1,003 workers

        var red = await browser.Http.GetStringAsync("/?status=red&page=20");
        Assert.Contains("Page 20 of 21", red, StringComparison.Ordinal); // 1,002 red: the clones and gpu-03
        Assert.Equal(50, Rows().Count(red));
        Assert.DoesNotContain("data-status=\"yellow\"", red, StringComparison.Ordinal);

        var lastTagged = await browser.Http.GetStringAsync("/?tag=bulk&page=20");
        Assert.Contains("Page 20 of 20", lastTagged, StringComparison.Ordinal);
        Assert.Contains("data-worker=\"bulk-0999\"", lastTagged, StringComparison.Ordinal);
        Assert.DoesNotContain("data-worker=\"gpu-", lastTagged, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/?status=offline")).StatusCode);
    }

    private static async Task AddWorkersLikeAsync(DashboardServer server, string model, int count)
    {
        using var scope = server.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ComfyDoctorDb>();
        var source = await db.Workers.AsNoTracking().SingleAsync(w => w.Name == model);
        var scan = await db.Scans.AsNoTracking().Where(s => s.WorkerId == source.Id && s.Status == JobStatus.Done).FirstAsync();
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == scan.JobId);
        var findings = await db.ScanFindings.AsNoTracking().Where(f => f.ScanId == scan.Id).ToListAsync();
        var models = await db.ScanModels.AsNoTracking().Where(m => m.ScanId == scan.Id).ToListAsync();
        for (var i = 0; i < count; i++)
        {
            var id = $"bulk{i:D4}";
            db.Workers.Add(
                new WorkerRow
                {
                    Id = id,
                    Name = $"bulk-{i:D4}",
                    Tags = "bulk",
                    CredentialHash = id,
                    EnrolledAt = source.EnrolledAt,
                    LastSeenAt = source.LastSeenAt,
                }
            );
            db.Jobs.Add(
                new JobRow
                {
                    Id = id,
                    WorkerId = id,
                    Kind = job.Kind,
                    PayloadJson = job.PayloadJson,
                    Status = JobStatus.Done,
                    CreatedAt = job.CreatedAt,
                    UpdatedAt = job.UpdatedAt,
                }
            );
            db.Scans.Add(
                new ScanRow
                {
                    Id = id,
                    WorkerId = id,
                    JobId = id,
                    Status = JobStatus.Done,
                    RequestedAt = scan.RequestedAt,
                    ScannedAt = scan.ScannedAt,
                    ResultsJson = scan.ResultsJson,
                    HealthJson = scan.HealthJson,
                }
            );
            // the report's findings and models are rows of their own (migration 005)
            db.ScanFindings.AddRange(
                findings.Select(f => new ScanFindingRow
                {
                    ScanId = id,
                    Seq = f.Seq,
                    Category = f.Category,
                    Severity = f.Severity,
                    Subject = f.Subject,
                    Json = f.Json,
                })
            );
            db.ScanModels.AddRange(
                models.Select(m => new ScanModelRow
                {
                    ScanId = id,
                    Seq = m.Seq,
                    Identity = m.Identity,
                    Sha256 = m.Sha256,
                    Json = m.Json,
                })
            );
        }

        await db.SaveChangesAsync();
    }

    [GeneratedRegex("<tr data-worker=")]
    private static partial Regex Rows();
}
