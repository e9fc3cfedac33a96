using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Problems;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Repairs, as the admin API, the dashboard and auto-repair ask for them. Every request is planned once, here, and the plan
/// stored (<see cref="RepairPlans"/>): a dry run answers it and changes nothing; a confirmation (<see cref="ConfirmAsync"/>:
/// the stored plan's id and version) queues, per worker, one repair job carrying exactly that worker's planned actions (and
/// the scan row its re-scan lands in) under one repair id; a request without a dry run is planned and confirmed at once.
/// At most one repair per worker is queued or running — a unique index says so, across replicas; a second is refused.
/// </summary>
public sealed class RepairRequests(ComfyDoctorDb db, AuditTrail audit, JobSignal signal, RepairPlans plans, Security.BlobKeys keys)
{
    public sealed record Request(
        IReadOnlyList<string>? Workers,
        RepairScope Scope,
        bool DryRun,
        string? From,
        IReadOnlyList<string>? Models
    );

    public sealed record PlannedWorker(string Worker, string? BasedOnScanId, RepairPlan Plan, string PlanId, string PlanVersion);

    /// <summary>One worker's job: its repair, or — for a worker never scanned — the scan its repair is planned from.</summary>
    public sealed record Queued(string Worker, string JobId, string ScanId)
    {
        public bool ScanFirst { get; init; }
    }

    public sealed record Started(string RepairId, string PlanId, string PlanVersion, IReadOnlyList<Queued> Jobs);

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

        var row = await plans.MakeAsync(workers, new RepairPlans.Ask(request.Scope, request.From, request.Models), actor, ct);
        return request.DryRun
            ? new(
                [.. RepairPlans.PlansOf(row).Select(p => new PlannedWorker(p.Worker, p.BasedOnScanId, p.Plan, row.Id, row.Version))],
                null,
                null
            )
            : await ConfirmAsync(row.Id, row.Version, actor, ct);
    }

    /// <summary>
    /// Runs a stored plan: refused when it is unknown, not the version named, already confirmed, older than
    /// <see cref="RepairPlans.ConfirmableFor"/>, or when one of its workers is being repaired.
    /// </summary>
    public async Task<Outcome> ConfirmAsync(string planId, string? version, string actor, CancellationToken ct)
    {
        var row = await db.RepairPlans.FirstOrDefaultAsync(p => p.Id == planId, ct);
        if (row is null)
        {
            return new(
                null,
                null,
                ProblemTypes.RepairPlanNotFound.Because(
                    $"no repair plan '{planId}' (unconfirmed plans are kept {RepairPlans.KeptFor.TotalDays:0} days)"
                )
            );
        }

        var ask = RepairPlans.AskOf(row);
        var planned = RepairPlans.PlansOf(row);
        var names = string.Join(",", planned.Select(p => p.Worker));
        var parameters =
            $"actions={row.Actions}{(ask.From is null ? "" : $" from={ask.From}")}"
            + $"{(ask.Models is null ? "" : $" models={string.Join(",", ask.Models)}")} plan={row.Id} version={row.Version[..12]}";
        var age = TimeSpan.FromMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - row.CreatedAt);
        var refusal =
            version is not null && !string.Equals(version, row.Version, StringComparison.OrdinalIgnoreCase)
                ? ProblemTypes.RepairPlanVersion.Because(
                    $"plan {row.Id} is version {row.Version[..12]}, "
                        + $"not {version[..Math.Min(12, version.Length)]}: it is not the plan that was shown"
                )
            : row.RepairId is not null
                ? ProblemTypes.RepairPlanConfirmed.Because(
                    $"plan {row.Id} was already confirmed (repair {row.RepairId}); plan again to repair again"
                )
            : age > RepairPlans.ConfirmableFor
                ? ProblemTypes.RepairPlanExpired.Because(
                    $"plan {row.Id} was made {age.TotalHours:0} hours ago; plan again from the latest scans"
                )
            : null;
        var ids = planned.Select(p => p.WorkerId).ToList();
        var workers = await db.Workers.AsNoTracking().Where(w => ids.Contains(w.Id)).ToDictionaryAsync(w => w.Id, ct);
        refusal ??= planned.FirstOrDefault(p => !workers.ContainsKey(p.WorkerId)) is { } gone
            ? ProblemTypes.UnknownWorker.Because($"worker {gone.Worker} is no longer enrolled")
            : null;
        refusal ??= await BusyAsync(workers, ct);
        if (refusal is not null)
        {
            db.ChangeTracker.Clear();
            await audit.AppendAsync(actor, "repair.request", names, parameters, "refused: " + refusal.Detail, ct);
            return new(null, null, refusal);
        }

        var repairId = Guid.NewGuid().ToString("N");
        var (_, endpoints) = await RepairPeers.LoadAsync(db, keys, await LatestScans.HeadsAsync(db, finishedOnly: true, ct), ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        (row.RepairId, row.ConfirmedAt, row.ConfirmedBy) = (repairId, now, actor);
        var queued = new List<Queued>();
        foreach (var plan in planned)
        {
            // A worker without a finished scan is scanned first; its part is planned from that scan (ScanFirst).
            var (job, scan) = plan.BasedOnScanId is null
                ? Scans.ScanJobs.Add(db, plan.WorkerId, ask.Scope.DeepScanFirst, now, repairId, actor)
                : PlannedJobs.Queue(db, row, plan, ask.Scope.DeepScanFirst, endpoints, now);
            queued.Add(new Queued(plan.Worker, job.Id, scan.Id) { ScanFirst = plan.BasedOnScanId is null });
        }

        try
        {
            // The jobs, the scans, the plan's confirmation and their audit record commit together.
            await audit.AppendAsync(actor, "repair.request", names, parameters, $"{queued.Count} queued as repair {repairId}", ct);
        }
        catch (DbUpdateException)
        {
            // Another request (on this replica or another) confirmed this plan or queued a repair of one of these workers in between.
            db.ChangeTracker.Clear();
            await audit.AppendAsync(actor, "repair.request", names, parameters, "refused: confirmed or queued at the same time", ct);
            return new(
                null,
                null,
                ProblemTypes.RepairBusy.Because(
                    $"plan {row.Id} was confirmed, or a repair of one of its workers queued, at the same time; nothing was queued"
                )
            );
        }

        foreach (var plan in planned)
        {
            signal.Notify(plan.WorkerId);
        }

        return new(null, new Started(repairId, row.Id, row.Version, queued), null);
    }

    private async Task<Refusal?> BusyAsync(Dictionary<string, WorkerRow> workers, CancellationToken ct)
    {
        var ids = workers.Keys.ToList();
        var busy = await db
            .Jobs.AsNoTracking()
            .Where(j => j.Kind == AgentProtocol.RepairJob || (j.Kind == AgentProtocol.ScanJob && j.RepairId != null)) // scans first
            .Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            .Where(j => ids.Contains(j.WorkerId))
            .Select(j => j.WorkerId)
            .ToListAsync(ct);
        return busy.Count == 0
            ? null
            : ProblemTypes.RepairBusy.Because(
                "a repair is already queued or running on "
                    + string.Join(", ", busy.Select(id => workers[id].Name).Order(StringComparer.Ordinal))
            );
    }
}
