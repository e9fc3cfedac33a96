using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Store;
using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Records what a repair did: each action in the audit trail (who asked, worker, action, subject, source, before and after
/// hash or commit, outcome, duration), and on the job its plan, results and what the re-scan proves — fixed (the action
/// succeeded and the subject has no error left) or still open (with the finding that stays).
/// </summary>
public sealed class RepairOutcomes(ComfyDoctorDb db, AuditTrail audit)
{
    public sealed record Summary(RepairOutcome Outcome, IReadOnlyList<string> Fixed, IReadOnlyList<Finding> StillOpen);

    public static Summary Summarise(RepairOutcome outcome, WorkerReport after)
    {
        var open = after.Findings.Where(f => f.Severity == Severity.Error).ToList();
        var fixedSubjects = outcome.Actions
            .Where(a => a.Outcome == ActionStates.Done && !open.Any(f => f.Subject == a.Subject))
            .Select(a => a.Subject).ToList();
        return new Summary(outcome, fixedSubjects, open);
    }

    /// <summary>Each action's final state, as progress: what a live view shows once the job has ended.</summary>
    public static string FinalProgressJson(RepairOutcome outcome)
    {
        var actions = outcome.Actions.Select(a =>
        {
            var total = outcome.Plan.Actions.FirstOrDefault(p => p.Kind == a.Kind && p.Subject == a.Subject)?.Model?.Size;
            return new ActionProgress(a.Kind, a.Subject, a.Outcome, a.Source, a.Outcome == ActionStates.Done ? total ?? 0 : 0, total, 0,
                a.Message);
        }).ToList();
        return JsonSerializer.Serialize(new JobProgress("finished", actions.Count, actions.Count, actions.Sum(a => a.BytesDone),
            actions.Sum(a => a.BytesTotal ?? 0))
        {
            Actions = actions,
        }, ReportJson.Options);
    }

    /// <summary>One record per action, then one for the repair; written after the job's result is stored.</summary>
    public async Task AuditAsync(JobRow job, Summary summary, CancellationToken ct)
    {
        var actor = job.RequestedBy ?? "unknown";
        var worker = await db.Workers.AsNoTracking().Where(w => w.Id == job.WorkerId).Select(w => w.Name).FirstAsync(ct);
        var outcome = summary.Outcome;
        foreach (var a in outcome.Actions)
        {
            var change = a.Before == a.After ? $"unchanged {Short(a.Before)}" : $"{Short(a.Before)} -> {Short(a.After)}";
            await audit.AppendAsync(actor, "repair." + a.Kind, worker, 
                $"{a.Subject}; source={a.Source ?? "none"}; {change}; {a.DurationMs} ms; job={job.Id}",
                a.Outcome == ActionStates.Done ? "done" + (a.RestartRequired ? " (restart ComfyUI)" : "")
                    : $"{a.Outcome}: {a.Message}", ct);
        }

        await audit.AppendAsync(actor, "repair.finish", worker, $"job={job.Id} repair={job.RepairId}",
            $"{summary.Fixed.Count} fixed, {outcome.Actions.Count(a => a.Outcome != ActionStates.Done)} not done, "
            + $"{summary.StillOpen.Count} error(s) left, {outcome.Plan.Unresolvable.Count} unresolvable", ct);
    }

    private static string Short(string? hashOrCommit) => hashOrCommit is null ? "none" : hashOrCommit[..Math.Min(12, hashOrCommit.Length)];
}
