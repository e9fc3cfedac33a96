using ComfyDoctor.Agent.Transfers;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>One row per model repair: outcome, source and why (each failed source on its own line).</summary>
public static class ModelFixRenderer
{
    public static void Render(IAnsiConsole console, IReadOnlyList<ModelFixResult> results)
    {
        if (results.Count == 0)
        {
            console.MarkupLine("Models: nothing to repair.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Expand().Title("Model repairs");
        table.AddColumns("Model", "Outcome", "Source", "Message");
        foreach (var r in results)
        {
            var outcome = r.Outcome switch
            {
                ModelFixOutcome.Repaired => "[green]repaired[/]",
                ModelFixOutcome.Planned => "[blue]planned[/]",
                _ => "[red]failed[/]",
            };
            table.AddRow(new Text(r.Identity), new Markup(outcome), new Text(r.Source ?? ""),
                new Text(string.Join("\n", r.Attempts.Prepend(r.Message))));
        }

        console.Write(table);
    }
}
