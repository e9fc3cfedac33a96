using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Server.Jobs;
using ComfyDoctor.Server.Store;

namespace ComfyDoctor.Server.Repairs;

/// <summary>
/// Records what a repair did: each action in the audit trail (who asked, worker, action, subject, source, before and after
/// hash or commit, outcome, duration), and on the job its plan, results and what the re-scan proves — fixed (the action
/// succeeded and the subject has no error left) or still open (with the finding that stays).
/// </summary>
public sealed class RepairOutcomes(AuditTrail audit)
{
    public sealed record Summary(RepairOutcome Outcome, IReadOnlyList<string> Fixed, IReadOnlyList<ReportFinding> StillOpen);

    public static Summary Summarise(RepairOutcome outcome, WorkerReport after)
    {
        var open = after.Findings.Where(f => f.Severity == Severity.Error).ToList();
        var fixedSubjects = outcome.Actions
            .Where(a => a.Outcome == ActionStates.Done && !open.Any(f => f.Subject == a.Subject))
            .Select(a => a.Subject).ToList();
        return new Summary(outcome, fixedSubjects, open);
    }

    public async Task<string> RecordAsync(JobRow job, string worker, RepairOutcome outcome, WorkerReport after, CancellationToken ct)
    {
        var actor = job.RequestedBy ?? "unknown";
        foreach (var a in outcome.Actions)
        {
            var change = a.Before == a.After ? $"unchanged {Short(a.Before)}" : $"{Short(a.Before)} -> {Short(a.After)}";
            await audit.AppendAsync(actor, "repair." + a.Kind, worker, $"{a.Subject}; source={a.Source ?? "none"}; {change}; {a.DurationMs} ms; job={job.Id}",
                a.Outcome == ActionStates.Done ? "done" + (a.RestartRequired ? " (restart ComfyUI)" : "") : $"{a.Outcome}: {a.Message}", ct);
        }

        var summary = Summarise(outcome, after);
        await audit.AppendAsync(actor, "repair.finish", worker, $"job={job.Id} repair={job.RepairId}",
            $"{summary.Fixed.Count} fixed, {outcome.Actions.Count(a => a.Outcome != ActionStates.Done)} not done, {summary.StillOpen.Count} error(s) left, {outcome.Plan.Unresolvable.Count} unresolvable", ct);
        return JsonSerializer.Serialize(summary, ReportJson.Options);
    }

    private static string Short(string? hashOrCommit) => hashOrCommit is null ? "none" : hashOrCommit[..Math.Min(12, hashOrCommit.Length)];
}
