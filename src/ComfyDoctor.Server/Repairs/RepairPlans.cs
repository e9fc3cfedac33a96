using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Fleet;
using ComfyDoctor.Server.Registry;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// The one place a repair is planned: <see cref="RepairPlanner.Plan"/> over each worker's latest finished report and the
/// server's expected state, stored (<see cref="RepairPlanRow"/>) so that the plan the admin is shown is the plan a
/// confirmation runs. Also the fresh plan a finished repair offers, made from its verifying scan. Unconfirmed plans are
/// dropped after <see cref="KeptFor"/>; a plan older than <see cref="ConfirmableFor"/> must be made again.
/// </summary>
public sealed class RepairPlans(ComfyDoctorDb db, ServerOptions options, Security.BlobKeys keys)
{
    public static readonly TimeSpan ConfirmableFor = TimeSpan.FromHours(24);
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(7);

    /// <summary>What a plan answers: the scope and the admin's narrowing (one source, some models).</summary>
    public sealed record Ask(RepairScope Scope, string? From, IReadOnlyList<string>? Models);

    /// <summary>One worker's part of a stored plan.</summary>
    public sealed record WorkerPlan(string Worker, string WorkerId, string? BasedOnScanId, RepairPlan Plan);

    public static Ask AskOf(RepairPlanRow row) =>
        new(
            RepairScope.Parse(row.Actions.Split('+')),
            row.Source,
            row.ModelsJson is null ? null : JsonSerializer.Deserialize<List<string>>(row.ModelsJson)
        );

    public static IReadOnlyList<WorkerPlan> PlansOf(RepairPlanRow row) =>
        JsonSerializer.Deserialize<List<WorkerPlan>>(row.PlansJson, ReportJson.Options) ?? [];

    /// <summary>Plans each worker from its latest finished report (read whole one worker at a time) and stores the plan.</summary>
    public async Task<RepairPlanRow> MakeAsync(IReadOnlyList<WorkerRow> workers, Ask ask, string actor, CancellationToken ct)
    {
        var latest = await LatestScans.HeadsAsync(db, finishedOnly: true, ct);
        var expected = await ExpectedStates.LoadAsync(db, options, ct);
        var (policy, _) = await PolicyAsync(ask, latest, ct);
        var plans = new List<WorkerPlan>();
        foreach (var worker in workers)
        {
            var report = latest.TryGetValue(worker.Id, out var head) ? await StoredReports.LoadAsync(db, head.Id, ct) : null;
            plans.Add(
                report is not null
                    ? new WorkerPlan(
                        worker.Name,
                        worker.Id,
                        head!.Id,
                        RepairPlanner.Plan(report, await Snapshots.WorkerSnapshots.ApplyAsync(db, expected, worker, ct), policy)
                    )
                    : new WorkerPlan(
                        worker.Name,
                        worker.Id,
                        null,
                        new RepairPlan(
                            [],
                            [
                                new UnresolvableFinding(
                                    "scan.none",
                                    worker.Name,
                                    "no finished scan yet",
                                    "confirming scans it first, then plans its repair from that scan and runs it "
                                        + "under the same repair (a repair is always planned from a finished scan)"
                                ),
                            ]
                        )
                    )
            );
        }

        await db.RepairPlans.Where(p => p.RepairId == null && p.CreatedAt < Now() - (long)KeptFor.TotalMilliseconds).ExecuteDeleteAsync(ct);
        var row = Row(plans, ask, actor, afterJobId: null);
        db.RepairPlans.Add(row);
        await db.SaveChangesAsync(ct);
        return row;
    }

    /// <summary>
    /// The confirmed request, planned for one worker from a report stored in the caller's transaction, recorded as following
    /// <paramref name="jobId"/>: the fresh plan a finished repair offers from its verifying re-scan, or the plan of a
    /// never-scanned worker's repair from the scan it waited for (<see cref="ScanFirst"/>). Row null when it has nothing to
    /// do; with how to reach the peers (read with their holdings, once), which a job queued for the row needs.
    /// </summary>
    public async Task<(RepairPlanRow? Row, IReadOnlyList<PeerEndpoint> Endpoints)> PlanAfterAsync(
        RepairPlanRow confirmed,
        WorkerRow worker,
        string scanId,
        WorkerReport after,
        string jobId,
        ExpectedState expected,
        string createdBy,
        CancellationToken ct
    )
    {
        var ask = AskOf(confirmed);
        var (policy, endpoints) = await PolicyAsync(ask, await LatestScans.HeadsAsync(db, finishedOnly: true, ct), ct);
        var plan = RepairPlanner.Plan(after, expected, policy);
        if (plan.Actions.Count == 0)
        {
            return (null, endpoints);
        }

        var row = Row([new WorkerPlan(worker.Name, worker.Id, scanId, plan)], ask, createdBy, jobId);
        db.RepairPlans.Add(row);
        return (row, endpoints);
    }

    private async Task<(RepairPolicy Policy, IReadOnlyList<PeerEndpoint> Endpoints)> PolicyAsync(
        Ask ask,
        Dictionary<string, ScanHead> latest,
        CancellationToken ct
    )
    {
        var (holdings, endpoints) = await RepairPeers.LoadAsync(db, keys, latest, ct);
        var policy = new RepairPolicy(
            ask.Scope,
            options.ModelMirrors,
            [.. holdings.Select(p => new PeerHoldings(p.Worker, p.Sha256s.ToHashSet(StringComparer.Ordinal)))],
            ask.From,
            ask.Models?.ToHashSet(StringComparer.Ordinal)
        );
        return (policy, endpoints);
    }

    private static RepairPlanRow Row(List<WorkerPlan> plans, Ask ask, string actor, string? afterJobId)
    {
        var json = JsonSerializer.Serialize(plans, ReportJson.Options);
        return new RepairPlanRow
        {
            Id = Guid.NewGuid().ToString("N"),
            CreatedAt = Now(),
            CreatedBy = actor,
            Actions = string.Join('+', ask.Scope.ToNames()),
            Source = ask.From,
            ModelsJson = ask.Models is null ? null : JsonSerializer.Serialize(ask.Models),
            PlansJson = json,
            Version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))),
            AfterJobId = afterJobId,
        };
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
