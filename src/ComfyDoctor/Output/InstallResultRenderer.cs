using ComfyDoctor.Agent.Installing;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>One row per pack: outcome, the stage that failed, the commit now in place, and why.</summary>
public static class InstallResultRenderer
{
    public static void Render(IAnsiConsole console, IReadOnlyList<PackInstallResult> results)
    {
        if (results.Count == 0)
        {
            console.MarkupLine("Node packs: nothing to install.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Expand().Title("Node pack installs");
        table.AddColumns("Pack", "Outcome", "Stage", "Commit", "Node types", "Message");
        foreach (var r in results)
        {
            var types = string.Join(", ", r.NodeTypes.Select(t => t.Present ? t.NodeType : t.NodeType + " (absent)"));
            table.AddRow(
                new Text(r.Pack),
                new Markup(Outcome(r.Outcome)),
                new Text(r.FailedStage?.ToString().ToLowerInvariant() ?? ""),
                new Text(r.Commit is { Length: > 12 } c ? c[..12] : r.Commit ?? ""),
                new Text(types),
                new Text(r.Message + (r.Outcome == InstallOutcome.Failed && r.LogTail is { Length: > 0 } tail ? "\n" + tail : "")));
        }

        console.Write(table);
    }

    private static string Outcome(InstallOutcome outcome) => outcome switch
    {
        InstallOutcome.Installed => "[green]installed[/]",
        InstallOutcome.Updated => "[green]updated[/]",
        InstallOutcome.AlreadyPresent => "already present",
        InstallOutcome.Planned => "[blue]planned[/]",
        InstallOutcome.SkippedByPolicy => "[yellow]skipped by policy[/]",
        _ => "[red]failed[/]",
    };
}
