using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor node-types</c>: each node type the registered workflows need, per worker (ok, missing,
/// unresolved, version-mismatch), from each worker's latest scan; exit 1 when any is not ok.</summary>
public static class NodeTypesCommand
{
    public static Command Create() =>
        AdminClient.Command(
            "node-types",
            "Each node type the registered workflows need, per worker",
            [],
            (http, _, ct) => http.GetAsync("admin/node-types", ct),
            (console, answer, _) =>
            {
                var rows = answer.EnumerateArray().ToList();
                var workers = rows.SelectMany(r => r.GetProperty("workers").EnumerateObject().Select(w => w.Name))
                    .Distinct()
                    .Order(StringComparer.Ordinal)
                    .ToList();
                var table = new Table().Border(TableBorder.Rounded).Title("Node types per worker");
                table.AddColumns(["Node type", "Pack", .. workers]);
                foreach (var row in rows)
                {
                    var states = row.GetProperty("workers");
                    table.AddRow([
                        new Text(FleetTables.Str(row, "nodeType")),
                        new Text(FleetTables.Str(row, "pack", "unresolved")),
                        .. workers.Select(w =>
                            (Spectre.Console.Rendering.IRenderable)State(states.TryGetProperty(w, out var s) ? s.GetString() : null)
                        ),
                    ]);
                }

                console.Write(table);
                return Exit(answer);
            },
            Exit
        );

    private static Markup State(string? state) =>
        state switch
        {
            "ok" => new Markup("[green]ok[/]"),
            "version-mismatch" => new Markup("[yellow]version-mismatch[/]"),
            null => new Markup("[grey]not scanned[/]"),
            _ => new Markup($"[red]{Markup.Escape(state)}[/]"),
        };

    private static int Exit(JsonElement answer) =>
        answer.EnumerateArray().Any(r => r.GetProperty("workers").EnumerateObject().Any(w => w.Value.GetString() != "ok"))
            ? CommandLine.ExitRed
            : CommandLine.ExitOk;
}
