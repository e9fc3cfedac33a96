using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Text;
using ComfyDoctor.Server.Audit;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Judges what a repair did, once, from the agent's per-action results against the confirmed plan and the verifying scan:
/// fixed (the action succeeded and the subject has no error left), changed since planned (the agent found its subject
/// moved and left it), still open (with the finding that stays) — and records it: on the job, and each action in the audit
/// trail (who asked, worker, plan, action, subject, source, before and after hash or commit, outcome, duration).
/// </summary>
public sealed class RepairOutcomes(ComfyDoctorDb db, AuditTrail audit, RepairPlans plans)
{
    /// <param name="Outcome">The confirmed plan and each action's result.</param>
    public sealed record Summary(RepairOutcome Outcome, IReadOnlyList<string> Fixed, IReadOnlyList<Finding> StillOpen)
    {
        /// <summary>The subjects of actions the agent found changed since planned (not done).</summary>
        public IReadOnlyList<string> Changed { get; init; } = [];

        /// <summary>A fresh plan from the verifying scan, when it has something to do (confirm it to repair again).</summary>
        public string? FreshPlanId { get; init; }

        public string? FreshPlanVersion { get; init; }
    }

    /// <summary>Why an agent's results cannot be the confirmed plan's (null when they are: one per planned action, in order).</summary>
    public static string? Mismatch(PlannedRepairPayload planned, RepairOutcome reported)
    {
        var actions = planned.Plan.Actions;
        if (reported.PlanId != planned.PlanId)
        {
            return $"it answers plan '{reported.PlanId ?? "none"}', not the confirmed plan {planned.PlanId}";
        }

        if (reported.Actions.Count != actions.Count)
        {
            return $"{reported.Actions.Count} action results for the {actions.Count} planned actions";
        }

        var i = Enumerable
            .Range(0, actions.Count)
            .FirstOrDefault(i => reported.Actions[i].Kind != actions[i].Kind || reported.Actions[i].Subject != actions[i].Subject, -1);
        return i < 0
            ? null
            : $"action {i + 1} answers {reported.Actions[i].Kind} {reported.Actions[i].Subject}, "
                + $"planned was {actions[i].Kind} {actions[i].Subject}";
    }

    /// <summary>The server's judgement: the confirmed plan (not the agent's copy of it), the agent's results, the verifying scan.</summary>
    public static Summary Summarise(RepairOutcome outcome, WorkerReport after)
    {
        var open = after.Findings.Where(f => f.Severity == Severity.Error).ToList();
        var fixedSubjects = outcome
            .Actions.Where(a => a.Outcome == ActionStates.Done && !open.Any(f => f.Subject == a.Subject))
            .Select(a => a.Subject)
            .ToList();
        return new Summary(outcome, fixedSubjects, open)
        {
            Changed = [.. outcome.Actions.Where(a => a.Outcome == ActionStates.Changed).Select(a => a.Subject)],
        };
    }

    /// <summary>
    /// Judges a repair job's result: the confirmed plan stored with the job and the agent's per-action results against the
    /// verifying scan (<paramref name="after"/>); when something is left to do, a fresh plan from that scan is stored with
    /// the result (in the caller's transaction) and offered.
    /// </summary>
    public async Task<Summary> JudgeAsync(
        JobRow job,
        WorkerRow worker,
        string scanId,
        RepairOutcome reported,
        WorkerReport after,
        ExpectedState expected,
        CancellationToken ct
    )
    {
        var planned = PlannedJobs.PayloadOf(job);
        var outcome = planned is null ? reported : new RepairOutcome(planned.Plan, reported.Actions) { PlanId = planned.PlanId };
        var summary = Summarise(outcome, after);
        var confirmed = planned is null ? null : await db.RepairPlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == planned.PlanId, ct);
        if (confirmed is null || (summary.StillOpen.Count == 0 && outcome.Actions.All(a => a.Outcome == ActionStates.Done)))
        {
            return summary;
        }

        var (fresh, _) = await plans.PlanAfterAsync(
            confirmed,
            worker,
            scanId,
            after,
            job.Id,
            expected,
            $"server: after repair {confirmed.RepairId}",
            ct
        );
        return fresh is null ? summary : summary with { FreshPlanId = fresh.Id, FreshPlanVersion = fresh.Version };
    }

    /// <summary>Each action's final state, as progress: what a live view shows once the job has ended.</summary>
    public static string FinalProgressJson(RepairOutcome outcome)
    {
        var actions = outcome
            .Actions.Select(a =>
            {
                var total = outcome.Plan.Actions.FirstOrDefault(p => p.Kind == a.Kind && p.Subject == a.Subject)?.Model?.Size;
                return new ActionProgress(
                    a.Kind,
                    a.Subject,
                    a.Outcome,
                    a.Source,
                    a.Outcome == ActionStates.Done ? total ?? 0 : 0,
                    total,
                    0,
                    a.Message
                );
            })
            .ToList();
        return JsonSerializer.Serialize(
            new JobProgress("finished", actions.Count, actions.Count, actions.Sum(a => a.BytesDone), actions.Sum(a => a.BytesTotal ?? 0))
            {
                Actions = actions,
            },
            ReportJson.Options
        );
    }

    /// <summary>One record per action, then one for the repair; written after the job's result is stored.</summary>
    public async Task AuditAsync(JobRow job, Summary summary, CancellationToken ct)
    {
        var actor = job.RequestedBy ?? "unknown";
        var worker = await db.Workers.AsNoTracking().Where(w => w.Id == job.WorkerId).Select(w => w.Name).FirstAsync(ct);
        var outcome = summary.Outcome;
        var plan = outcome.PlanId is null ? "" : $"; plan={outcome.PlanId}";
        foreach (var (a, i) in outcome.Actions.Select((a, i) => (a, i)))
        {
            var change = a.Before == a.After ? $"unchanged {Short(a.Before)}" : $"{Short(a.Before)} -> {Short(a.After)}";
            await audit.AppendAsync(
                actor,
                "repair." + a.Kind,
                worker,
                // An agent's words (pip's or git's tail, a source URL) may carry credentials: the trail shows them as ***.
                UrlCredentials.Redact(
                    $"{a.Subject}; action {i + 1} of {outcome.Actions.Count}; source={a.Source ?? "none"}; {change}; {a.DurationMs} ms; "
                        + $"job={job.Id}{plan}"
                ),
                UrlCredentials.Redact(
                    a.Outcome switch
                    {
                        ActionStates.Done => "done" + (a.RestartRequired ? " (restart ComfyUI)" : ""),
                        ActionStates.Changed => $"changed since planned: {a.Message}",
                        _ => $"{a.Outcome}: {a.Message}",
                    }
                ),
                ct
            );
        }

        var notDone = outcome.Actions.Count(a => a.Outcome is not ActionStates.Done and not ActionStates.Changed);
        await audit.AppendAsync(
            actor,
            "repair.finish",
            worker,
            $"job={job.Id} repair={job.RepairId}{plan}",
            $"{summary.Fixed.Count} fixed, {summary.Changed.Count} changed since planned, {notDone} not done, "
                + $"{summary.StillOpen.Count} error(s) left, {outcome.Plan.Unresolvable.Count} unresolvable"
                + (summary.FreshPlanId is { } fresh ? $"; fresh plan {fresh} offered" : ""),
            ct
        );
    }

    private static string Short(string? hashOrCommit) => hashOrCommit is null ? "none" : hashOrCommit[..Math.Min(12, hashOrCommit.Length)];
}
