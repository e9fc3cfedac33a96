using System.Text.Json;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ComfyDoctor.Cli.Output;

/// <summary>Tables over the server's JSON: the fleet's lights (each a word as well as a colour) and plain tables of records.</summary>
public static class FleetTables
{
    /// <summary>The answer of <c>GET /admin/workers</c>: one row per worker with its four lights.</summary>
    public static void Workers(IAnsiConsole console, JsonElement workers)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Fleet");
        table.AddColumns("Worker", "Tags", "Models", "Nodes", "Disk", "Runtime", "ComfyUI", "Agent", "Last scan", "Last seen (UTC)");
        foreach (var w in workers.EnumerateArray())
        {
            var health = w.TryGetProperty("health", out var h) ? h : default;
            IRenderable Light(string name) =>
                new Markup(health.ValueKind == JsonValueKind.Object && health.TryGetProperty(name, out var l) ? Label(l.GetString()) : "—");
            table.AddRow(
                new Text(Shown.Text(Str(w, "name"))),
                new Text(Shown.Text(string.Join(", ", w.GetProperty("tags").EnumerateArray().Select(t => t.GetString())))),
                Light("models"),
                Light("nodes"),
                Light("disk"),
                Light("runtime"),
                new Text(Shown.Text(ComfyUi(w))),
                new Text(Shown.Text(Agent(w))),
                new Text(Str(w, "lastScanStatus", "never")),
                new Text(Time(w, "lastSeenAt"))
            );
        }

        console.Write(table);
    }

    /// <summary>The agent's build: <c>0.1.0 abc1234 linux-x64</c>; "—" when it has not said.</summary>
    private static string Agent(JsonElement worker) =>
        worker.TryGetProperty("agent", out var a) && a.ValueKind == JsonValueKind.Object
            ? $"{Str(a, "version", "?")} {Short(Str(a, "commit", "?"))} {Str(a, "os", "?")}-{Str(a, "arch", "?")}"
            : "—";

    /// <summary>ComfyUI from the latest finished report: <c>0.3.10 @ abc1234def56 (dirty)</c>; "—" before a report says.</summary>
    private static string ComfyUi(JsonElement worker) =>
        worker.TryGetProperty("comfyUi", out var c) && c.Deserialize<ComfyUiState>(ReportJson.Options) is { } state
            ? state.Describe()
            : "—";

    private static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    /// <summary>Whether the lights of a report or worker (<c>health</c> as the API sends it) have a red one.</summary>
    public static bool AnyRed(JsonElement health) =>
        health.ValueKind == JsonValueKind.Object && health.Deserialize<HealthLights>(ReportJson.Options)?.AnyRed == true;

    /// <summary>A plain table: a header per column and a cell function per column.</summary>
    public static void Records(
        IAnsiConsole console,
        JsonElement rows,
        string? title,
        params (string Header, Func<JsonElement, string> Cell)[] columns
    )
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title is not null)
        {
            table.Title(Shown.Markup(title));
        }

        foreach (var (header, _) in columns)
        {
            table.AddColumn(header);
        }

        foreach (var row in rows.EnumerateArray())
        {
            table.AddRow(columns.Select(c => (IRenderable)new Text(Shown.Text(c.Cell(row)))).ToArray());
        }

        console.Write(table);
    }

    public static string Str(JsonElement e, string name, string absent = "") =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : absent;

    public static string Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
            : "";

    public static string Label(string? light) =>
        light switch
        {
            "red" => "[bold red]✖ RED[/]",
            "yellow" => "[bold yellow]▲ YELLOW[/]",
            "green" => "[bold green]✔ GREEN[/]",
            _ => "—",
        };
}
