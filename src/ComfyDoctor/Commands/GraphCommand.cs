using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor graph</c>: which registered workflow needs which models and node packs, and which workers lack them.</summary>
public static class GraphCommand
{
    public static Command Create() =>
        AdminClient.Command(
            "graph",
            "Show which workflows need which models and node packs (and where they are missing)",
            [],
            (http, _, ct) => http.GetAsync("admin/dependency-graph", ct),
            (console, answer, _) =>
            {
                var nodes = answer
                    .GetProperty("nodes")
                    .EnumerateArray()
                    .ToDictionary(n => n.GetProperty("id").GetString()!, n => n, StringComparer.Ordinal);
                var table = new Table().Border(TableBorder.Rounded).Title("Dependencies of the registered workflows");
                table.AddColumn("Workflow").AddColumn("Needs").AddColumn("Model or node pack").AddColumn("Missing on");
                foreach (var edge in answer.GetProperty("edges").EnumerateArray())
                {
                    var from = nodes[edge.GetProperty("from").GetString()!];
                    var to = nodes[edge.GetProperty("to").GetString()!];
                    var missing = to.GetProperty("missingOn").EnumerateArray().Select(w => w.GetString()!).ToList();
                    table.AddRow(
                        new Text(FleetTables.Str(from, "label")),
                        new Text(FleetTables.Str(to, "kind")),
                        new Text(FleetTables.Str(to, "label")),
                        new Markup(missing.Count == 0 ? "[green]✔ none[/]" : "[red]✖ " + Markup.Escape(string.Join(", ", missing)) + "[/]")
                    );
                }

                console.Write(table);
                console.WriteLine(
                    $"{nodes.Values.Count(n => FleetTables.Str(n, "kind") == "workflow")} workflows over "
                        + $"{answer.GetProperty("workers").GetArrayLength()} scanned workers"
                );
                return CommandLine.ExitOk;
            }
        );
}
