using System.CommandLine;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor resolve</c>: which pack (and version) provides each node type the workflows use, and why.</summary>
public static class ResolveCommand
{
    private static readonly WorkflowInputs Inputs = new();
    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object instead of tables" };

    public static Command Create()
    {
        var command = new Command("resolve", "Resolve the node types of workflows to custom node packs, with the evidence");
        foreach (var option in Inputs.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(Json);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Inputs.Workflows) is not { Length: > 0 })
            {
                result.AddError("--workflow FILE is required (repeat it for several workflows)");
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () => RunAsync(parse, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var report = (await Inputs.ResolveAsync(parse, ct)).Report;
        if (parse.GetValue(Json))
        {
            await parse.InvocationConfiguration.Output.WriteLineAsync(ReportJson.Serialize(ResolutionJson.From(report)));
        }
        else
        {
            Render(Terminal.For(parse), report);
        }

        return report.Workflows.Any(w => w.Nodes.Any(n => n.Status == ResolutionStatus.Unresolved))
            ? CommandLine.ExitRed
            : CommandLine.ExitOk;
    }

    private static void Render(IAnsiConsole console, ResolutionReport report)
    {
        foreach (var workflow in report.Workflows)
        {
            var table = new Table().Border(TableBorder.Rounded).Expand().Title(Markup.Escape(workflow.FileName));
            table.AddColumns("Node type", "Status", "Pack", "Version", "Evidence", "Runners-up");
            foreach (var node in workflow.Nodes.Where(n => n.Status != ResolutionStatus.Core))
            {
                table.AddRow(
                    new Text(node.Type),
                    new Markup(node.Status == ResolutionStatus.Resolved ? "[green]resolved[/]" : "[red]unresolved[/]"),
                    new Text(node.Pack?.Url ?? "—"),
                    new Text(node.Version ?? ""),
                    new Text($"{node.Evidence}{(node.Rule is { } rule ? $" [{rule}]" : "")}: {node.Reason}"),
                    new Text(
                        string.Join("\n", node.Alternatives.Take(3))
                            + (node.Alternatives.Count > 3 ? $"\n+{node.Alternatives.Count - 3} more" : "")
                    )
                );
            }

            console.Write(table);
            var core = workflow.Nodes.Count(n => n.Status == ResolutionStatus.Core);
            console.MarkupLine(Markup.Escape($"{core} core node types; {workflow.Models.Count} model references"));
            foreach (var error in workflow.Errors)
            {
                console.MarkupLine($"[yellow]warning[/] {Markup.Escape(error.ToString())}");
            }
        }
    }
}
