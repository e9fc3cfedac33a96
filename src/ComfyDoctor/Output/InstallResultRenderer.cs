using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Core.Nodes;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>One row per pack: outcome, the stage that failed, the commit now in place, each node type's state, and why.
/// A type not confirmed statically, or a pin met by another pin or the nearest older release, is yellow.</summary>
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
            var types = string.Join(", ", r.NodeTypes.Select(Type));
            var outcome = Outcome(r.Outcome);
            table.AddRow(
                new Text(r.Pack),
                new Markup(
                    r.Outcome is not (InstallOutcome.Installed or InstallOutcome.Updated) ? outcome
                    : r.HasUnconfirmed || r.VersionNote is not null ? $"[yellow]{outcome}[/]"
                    : $"[green]{outcome}[/]"
                ),
                new Text(r.FailedStage?.ToString().ToLowerInvariant() ?? ""),
                new Text(r.Commit is { Length: > 12 } c ? c[..12] : r.Commit ?? ""),
                new Markup(types),
                new Text(r.Message + (r.Outcome == InstallOutcome.Failed && r.LogTail is { Length: > 0 } tail ? "\n" + tail : ""))
            );
        }

        console.Write(table);
    }

    private static string Type(NodeTypeResult t) =>
        t.State switch
        {
            NodeTypeStates.Confirmed => Shown.Markup(t.NodeType),
            NodeTypeStates.Loaded => $"[green]{Shown.Markup(t.NodeType)} (loaded)[/]",
            NodeTypeStates.Unconfirmed => $"[yellow]{Shown.Markup(t.NodeType)} (not confirmed statically)[/]",
            _ => $"[red]{Shown.Markup(t.NodeType)} ({Shown.Markup(t.State)})[/]",
        };

    private static string Outcome(InstallOutcome outcome) =>
        outcome switch
        {
            InstallOutcome.Installed => "installed",
            InstallOutcome.Updated => "updated",
            InstallOutcome.AlreadyPresent => "already present",
            InstallOutcome.Planned => "[blue]planned[/]",
            InstallOutcome.SkippedByPolicy => "[yellow]skipped by policy[/]",
            _ => "[red]failed[/]",
        };
}
