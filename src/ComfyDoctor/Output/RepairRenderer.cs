using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>Repair plans and results as tables: one row per action (each failed source on its own line), then what no action can
/// fix.</summary>
public static class RepairRenderer
{
    public static void Render(IAnsiConsole console, IReadOnlyList<ActionResult> results)
    {
        if (results.Count == 0)
        {
            console.MarkupLine("Nothing to repair.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Expand().Title("Repairs");
        table.AddColumns("Action", "Subject", "Outcome", "Source", "Message");
        foreach (var r in results)
        {
            var outcome = r.Outcome switch
            {
                ActionStates.Done => "[green]done[/]",
                ActionStates.Cancelled => "[yellow]cancelled[/]",
                ActionStates.Changed => "[yellow]changed since planned[/]",
                ActionStates.RolledBack => "[yellow]rolled back[/]",
                ActionStates.Skipped => "[yellow]skipped[/]",
                _ => "[red]failed[/]",
            };
            table.AddRow(
                new Text(r.Kind),
                new Text(Shown.Text(r.Subject)),
                new Markup(outcome),
                new Text(Shown.Text(r.Source)),
                new Text(
                    string.Join(
                        "\n",
                        r.Attempts.Prepend(r.RestartRequired ? r.Message + " (restart required)" : r.Message).Select(Shown.Text)
                    )
                )
            );
        }

        console.Write(table);
    }

    /// <summary>
    /// A dry run's answer (one worker's plan, or a list) or a stored plan (<c>GET /admin/repair-plans/{id}</c>): each worker's
    /// plan, then the plan's id and how to run exactly it.
    /// </summary>
    public static void RenderStored(IAnsiConsole console, JsonElement answer)
    {
        var plans =
            answer.ValueKind == JsonValueKind.Array ? answer.EnumerateArray().ToList()
            : answer.TryGetProperty("plans", out var stored) ? stored.EnumerateArray().ToList()
            : [answer];
        foreach (var plan in plans)
        {
            console.MarkupLine($"[bold]{Shown.Markup(plan.GetProperty("worker").GetString())}[/]");
            Render(console, plan.GetProperty("plan").Deserialize<RepairPlan>(ReportJson.Options)!);
        }

        var first = answer.ValueKind == JsonValueKind.Array ? plans.FirstOrDefault() : answer;
        if (first.ValueKind == JsonValueKind.Object && first.TryGetProperty("planId", out var id))
        {
            var version = first.TryGetProperty("planVersion", out var v) || first.TryGetProperty("version", out v) ? v.GetString() : null;
            var run =
                answer.TryGetProperty("repairId", out var r) && r.ValueKind == JsonValueKind.String
                    ? $"already run as repair {r.GetString()}"
                    : $"run exactly this plan with: comfydoctor repair --plan {id.GetString()}";
            console.WriteLine(Shown.Text($"plan {id.GetString()} (version {version?[..Math.Min(12, version.Length)]}); {run}"));
        }
    }

    public static void Render(IAnsiConsole console, RepairPlan plan)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand().Title("Repair plan (nothing changed)");
        table.AddColumn(new TableColumn("Action").NoWrap());
        table.AddColumn(new TableColumn("Subject").NoWrap());
        table.AddColumns("Why");
        table.AddColumn(new TableColumn("Sources, in order").NoWrap());
        table.AddColumns("Expected");
        foreach (var a in plan.Actions)
        {
            table.AddRow(
                new Text(a.Kind),
                new Text(Shown.Text(a.Subject)),
                new Text(Shown.Text(a.Reason)),
                new Text(string.Join("\n", a.Sources.Select(s => Shown.Text($"{s.Kind} {s.Name}")))),
                new Text(Shown.Text(a.Expected))
            );
        }

        console.Write(table);
        if (plan.Actions.Count(a => a.Unit == RepairUnits.MatchSnapshot) is var unit and > 0)
        {
            console.WriteLine($"{unit} action(s) restore the snapshot as one unit: if one fails, the others are undone.");
        }

        if (plan.Unresolvable.Count > 0)
        {
            var left = new Table().Border(TableBorder.Rounded).Expand().Title("Not fixable by a repair");
            left.AddColumns("Finding", "Subject", "What to do");
            foreach (var u in plan.Unresolvable)
            {
                left.AddRow(new Text(u.Code), new Text(Shown.Text(u.Subject)), new Text(Shown.Text(u.Hint)));
            }

            console.Write(left);
        }
    }
}
