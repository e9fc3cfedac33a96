using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>comfydoctor compare [--workers a,b] [--reference a] [--all]</c>: workers side by side, attribute by attribute; a
/// cell that differs from the reference (or the majority) is marked with <c>≠</c> (and a colour on a terminal).
/// Uniform attributes are counted, and listed with <c>--all</c>.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var workers = new Option<string?>("--workers") { Description = "Comma-separated workers to compare (default: all)" };
        var reference = new Option<string?>("--reference")
        {
            Description = "Mark differences from this worker (default: from the majority)",
        };
        var all = new Option<bool>("--all") { Description = "Also list the attributes every worker agrees on" };
        return AdminClient.Command(
            "compare",
            "Line up workers attribute by attribute and mark the differences",
            [workers, reference, all],
            (http, parse, ct) =>
                http.GetAsync(
                    $"admin/compare?workers={Uri.EscapeDataString(parse.GetValue(workers) ?? "")}"
                        + $"&reference={Uri.EscapeDataString(parse.GetValue(reference) ?? "")}"
                        + (parse.GetValue(all) ? "&all=true" : ""),
                    ct
                ),
            (console, answer, parse) =>
            {
                Render(console, answer, parse.GetValue(all));
                return CommandLine.ExitOk;
            }
        );
    }

    private static void Render(IAnsiConsole console, JsonElement answer, bool all)
    {
        var names = answer.GetProperty("workers").EnumerateArray().Select(w => w.GetString()!).ToList();
        var reference = answer.TryGetProperty("reference", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title(Shown.Markup(reference is null ? "Differences from the majority" : $"Differences from {reference}"));
        table.AddColumn("Category");
        table.AddColumn("Attribute");
        foreach (var name in names)
        {
            table.AddColumn(Shown.Markup(name));
        }

        var uniform = 0;
        foreach (var row in answer.GetProperty("rows").EnumerateArray())
        {
            var differs = row.GetProperty("differs");
            var anyDiffers = differs.EnumerateObject().Any(d => d.Value.GetBoolean());
            if (!anyDiffers && !all)
            {
                uniform++;
                continue;
            }

            var values = row.GetProperty("values");
            var cells = new List<string>
            {
                Shown.Markup(row.GetProperty("category").GetString() ?? ""),
                Shown.Markup(row.GetProperty("attribute").GetString() ?? ""),
            };
            foreach (var name in names)
            {
                var value = Shown.Markup(values.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "");
                cells.Add(differs.TryGetProperty(name, out var d) && d.GetBoolean() ? $"[bold yellow]≠ {value}[/]" : value);
            }

            table.AddRow(cells.ToArray());
        }

        console.Write(table);
        if (uniform > 0)
        {
            console.WriteLine($"{uniform} attributes are the same on every worker (--all lists them).");
        }

        if (answer.TryGetProperty("packages", out var packages) && packages.ValueKind == JsonValueKind.Object)
        {
            var (compared, differing) = (packages.GetProperty("compared").GetInt32(), packages.GetProperty("differing").GetInt32());
            console.WriteLine(
                $"Python packages: {compared:N0} compared, {differing:N0} differ"
                    + (all ? "." : $"; the {compared - differing:N0} identical on every worker are counted, not listed (--all lists them).")
            );
        }

        if (answer.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Object)
        {
            var (compared, differing, limit) = (
                models.GetProperty("identities").GetInt32(),
                models.GetProperty("differing").GetInt32(),
                models.GetProperty("limit").GetInt32()
            );
            var listed = all ? compared : differing;
            console.WriteLine(
                $"Models: {compared:N0} files compared, {differing:N0} differ"
                    + (all ? "" : $"; the {compared - differing:N0} identical on every worker are counted, not listed (--all lists them)")
                    + (listed > limit ? $"; the first {limit:N0} are shown (the API's ?offset= gives the rest)." : ".")
            );
        }
    }
}
