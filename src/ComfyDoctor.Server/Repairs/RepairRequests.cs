using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Registry;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Repairs, as the admin API asks for them: a dry run plans from each worker's latest report and changes nothing; a real
/// one queues, per worker, one repair job (and the scan row its re-scan lands in) under one repair id. At most one
/// repair per worker is queued or running — a unique index says so, across replicas; a second request is refused.
/// </summary>
public sealed class RepairRequests(ComfyDoctorDb db, ServerOptions options, AuditTrail audit, JobSignal signal, Security.BlobKeys keys)
{
    public sealed record Request(IReadOnlyList<string>? Workers, RepairScope Scope, bool DryRun, string? From,
        IReadOnlyList<string>? Models);

    public sealed record PlannedWorker(string Worker, string? BasedOnScanId, RepairPlan Plan);

    public sealed record Queued(string Worker, string JobId, string ScanId);

    public sealed record Started(string RepairId, IReadOnlyList<Queued> Jobs);

    /// <summary>The outcome of a request: plans (dry run), or the repair started, or why nothing happened.</summary>
    public sealed record Outcome(IReadOnlyList<PlannedWorker>? Plans, Started? Started, Refusal? Refusal);

    public async Task<Outcome> SubmitAsync(Request request, string actor, CancellationToken ct)
    {
        var workers = await db.Workers.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct);
        if (request.Workers is { Count: > 0 } names)
        {
            var unknown = names.Except(workers.Select(w => w.Name), StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                return new(null, null, ProblemTypes.UnknownWorker.Because($"unknown workers: {string.Join(", ", unknown)}"));
            }

            workers = workers.Where(w => names.Contains(w.Name, StringComparer.Ordinal)).ToList();
        }

        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var (holdings, endpoints) = await RepairPeers.LoadAsync(db, keys, latest, ct);
        var policy = new RepairPolicyWire(options.ModelMirrors, holdings, request.From, request.Models);
        var parameters = $"actions={string.Join("+", request.Scope.ToNames())}"
            + (request.From is null ? "" : $" from={request.From}")
            + (request.Models is null ? "" : $" models={string.Join(",", request.Models)}");
        if (request.DryRun)
        {
            var plans = await PlanAsync(workers, latest, expected, policy.ToPolicy(request.Scope), ct);
            return new(plans, null, null);
        }

        var busy = await db.Jobs.AsNoTracking()
            .Where(j => j.Kind == AgentProtocol.RepairJob && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
                && workers.Select(w => w.Id).Contains(j.WorkerId))
            .Select(j => j.WorkerId).ToListAsync(ct);
        if (busy.Count > 0)
        {
            var busyNames = workers.Where(w => busy.Contains(w.Id)).Select(w => w.Name);
            var why = $"a repair is already queued or running on {string.Join(", ", busyNames)}";
            await audit.AppendAsync(actor, "repair.request", string.Join(",", workers.Select(w => w.Name)), parameters, "refused: " + why,
                ct);
            return new(null, null, ProblemTypes.RepairBusy.Because(why));
        }

        var repairId = Guid.NewGuid().ToString("N");
        var payload = new RepairJobPayload(repairId, request.Scope, ExpectedStateWire.From(expected), policy, endpoints);
        var json = JsonSerializer.Serialize(payload, ReportJson.Options);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var queued = new List<Queued>();
        foreach (var worker in workers)
        {
            var job = new JobRow
            {
                Id = Guid.NewGuid()
                    .ToString("N"), WorkerId = worker.Id, Kind = AgentProtocol.RepairJob, Status = JobStatus.Queued, PayloadJson = json,
                CreatedAt = now, UpdatedAt = now, RepairId = repairId, RequestedBy = actor,
            };
            var scan = new ScanRow { Id = Guid.NewGuid().ToString("N"), WorkerId = worker.Id, JobId = job.Id, Status = JobStatus.Queued,
                Deep = request.Scope.DeepScanFirst, RequestedAt = now };
            db.Jobs.Add(job);
            db.Scans.Add(scan);
            queued.Add(new Queued(worker.Name, job.Id, scan.Id));
        }

        try
        {
            // The jobs, the scans and their audit record commit together.
            await audit.AppendAsync(actor, "repair.request", string.Join(",", workers.Select(w => w.Name)), parameters,
                $"{queued.Count} queued as repair {repairId}", ct);
        }
        catch (DbUpdateException)
        {
            // Another request (on this replica or another) queued a repair of one of these workers in between.
            db.ChangeTracker.Clear();
            await audit.AppendAsync(actor, "repair.request", string.Join(",", workers.Select(w => w.Name)), parameters,
                "refused: a repair was queued at the same time", ct);
            return new(null, null,
                ProblemTypes.RepairBusy.Because("a repair of one of these workers was queued at the same time; nothing was queued"));
        }

        foreach (var worker in workers)
        {
            signal.Notify(worker.Id);
        }

        return new(null, new Started(repairId, queued), null);
    }

    /// <summary>Each worker's plan from its latest finished report, read whole one worker at a time and let go before the next.</summary>
    private async Task<List<PlannedWorker>> PlanAsync(IReadOnlyList<WorkerRow> workers, Dictionary<string, ScanHead> latest,
        ExpectedState expected, RepairPolicy policy, CancellationToken ct)
    {
        var plans = new List<PlannedWorker>();
        foreach (var worker in workers)
        {
            var report = latest.TryGetValue(worker.Id, out var head) ? await StoredReports.LoadAsync(db, head.Id, ct) : null;
            plans.Add(report is not null
                ? new PlannedWorker(worker.Name, head!.Id, RepairPlanner.Plan(report, expected, policy))
                : new PlannedWorker(worker.Name, null, new RepairPlan([], [new UnresolvableFinding("scan.none", worker.Name,
                    "no finished scan yet", "run a scan (or verify-and-repair, which scans first) to plan from")])));
        }

        return plans;
    }
}
