using System.Text.Json.Nodes;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Scans;

/// <summary>Reads of stored scans: one scan by id, and a worker's latest finished report with any newer scan still pending.</summary>
public sealed class WorkerReports(ComfyDoctorDb db)
{
    public async Task<Outcome<ScanView>> ScanAsync(string id, CancellationToken ct)
    {
        var found = await db
            .Scans.AsNoTracking()
            .Where(s => s.Id == id)
            .Join(db.Workers, s => s.WorkerId, w => w.Id, (s, w) => new { Scan = s, Worker = w.Name })
            .FirstOrDefaultAsync(ct);
        return found is null
            ? ProblemTypes.ScanNotFound.Because($"no scan '{id}'")
            : ScanView.From(found.Scan, found.Worker, await ReportPages.BuildAsync(db, id, ReportPages.Query.First, ct));
    }

    /// <summary>The latest finished report (the <c>check --json</c> shape, its findings and models paged: <see cref="ReportPages"/>)
    /// plus <c>scanId</c> and <c>status</c>; a newer scan still queued or running is named in <c>pending</c> with its agent's latest
    /// progress.</summary>
    public async Task<Outcome<JsonObject>> LatestAsync(string worker, ReportPages.Query query, CancellationToken ct)
    {
        var row = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.Name == worker, ct);
        if (row is null)
        {
            return ProblemTypes.UnknownWorker.Because($"unknown worker '{worker}'");
        }

        var scans = db.Scans.AsNoTracking().Where(s => s.WorkerId == row.Id).OrderByDescending(s => s.RequestedAt);
        var latest = await scans
            .Select(s => new
            {
                s.Id,
                s.Status,
                s.JobId,
            })
            .FirstOrDefaultAsync(ct);
        var done = await scans.Where(s => s.Status == JobStatus.Done).Select(s => new { s.Id, s.Status }).FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            return ProblemTypes.NotScanned.Because($"worker '{worker}' has not been scanned yet");
        }

        var body = (done is null ? null : await ReportPages.BuildAsync(db, done.Id, query, ct)) ?? new JsonObject { ["worker"] = worker };
        body["scanId"] = done?.Id;
        body["status"] = done?.Status ?? latest.Status;
        if (latest.Id != done?.Id)
        {
            var progress = await db
                .Jobs.AsNoTracking()
                .Where(j => j.Id == latest.JobId)
                .Select(j => j.ProgressJson)
                .FirstOrDefaultAsync(ct);
            body["pending"] = new JsonObject
            {
                ["scanId"] = latest.Id,
                ["status"] = latest.Status,
                ["progress"] = progress is null ? null : JsonNode.Parse(progress),
            };
        }

        return body;
    }
}
