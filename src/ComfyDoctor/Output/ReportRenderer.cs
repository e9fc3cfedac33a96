using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Comparison;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>
/// The human report: lights per category (each with a word, never colour alone), the findings table, the models with
/// their kind and family, and a short inventory. Colours on a terminal; Spectre.Console writes plain text when the output is redirected.
/// </summary>
public static class ReportRenderer
{
    public static void Render(IAnsiConsole console, WorkerReport report)
    {
        console.Write(
            new Rule(
                $"[bold]ComfyDoctor[/] — worker [bold]{Shown.Markup(report.Worker)}[/] — {report.ScannedAt:yyyy-MM-dd HH:mm:ss} UTC"
            ).LeftJustified()
        );
        var lights = new Grid().AddColumns(4);
        lights.AddRow(
            Light("Models", report.Health.Models),
            Light("Nodes", report.Health.Nodes),
            Light("Disk", report.Health.Disk),
            Light("Runtime", report.Health.Runtime)
        );
        console.Write(lights);
        console.WriteLine();

        if (report.Findings.Count == 0)
        {
            console.MarkupLine("[green]No findings.[/]");
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).Expand();
            table.AddColumn("Severity");
            table.AddColumn("Code");
            table.AddColumn("Subject");
            table.AddColumn("Message");
            foreach (var f in report.Findings)
            {
                table.AddRow(
                    new Markup(SeverityLabel(f.Severity)),
                    new Text(f.Code),
                    new Text(Shown.Text(f.Subject)),
                    new Text(Shown.Text(f.Message) + (f.Repairable ? " [repairable]" : ""))
                );
            }

            console.Write(table);
        }

        RenderModels(console, report.Inventory);
        RenderInventory(console, report.Inventory);
    }

    /// <summary>Each model file with the kind and family its header says (— where it was not classified).</summary>
    private static void RenderModels(IAnsiConsole console, WorkerInventory inventory)
    {
        if (inventory.Models.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Expand().Title("Models");
        table.AddColumn("Model");
        table.AddColumn("Kind");
        table.AddColumn("Family");
        table.AddColumn("Size");
        foreach (var model in inventory.Models)
        {
            var a = model.Format.Architecture;
            table.AddRow(
                new Text(Shown.Text(model.Identity)),
                new Text(a is null ? "—" : ModelKinds.Display(a.Kind) + (a.Detail is null ? "" : $" ({a.Detail})")),
                new Text(
                    a is null ? "—"
                    : a.FamilyKnown ? ModelFamilies.Display(a.Family)
                    : "unknown"
                ),
                new Text(Bytes.Format(model.Size))
            );
        }

        console.WriteLine();
        console.Write(table);
    }

    private static void RenderInventory(IAnsiConsole console, WorkerInventory inventory)
    {
        var env = inventory.Environment;
        var total = inventory.Models.Sum(m => m.Size);
        var roots = inventory.ModelRoots.Count(r => Directory.Exists(r.Path));
        var packs = inventory.NodePacks.Count(p => !p.Disabled);
        var python = env.Python is { Version: { } v } p
            ? $"Python {v}, torch {p.Torch ?? "absent"}, CUDA {p.TorchCuda ?? "n/a"}"
            : "Python unknown";
        var gpus =
            env.Gpus.Count == 0
                ? "no GPU reported"
                : string.Join("; ", env.Gpus.Select(g => $"{g.Name} (driver {g.DriverVersion ?? "?"})"));
        console.WriteLine();
        console.MarkupLine(
            $"[bold]Inventory[/]: {inventory.Models.Count} model files ({Bytes.Format(total)}) in {roots} model folders; "
                + $"{packs} node packs enabled, {inventory.NodePacks.Count - packs} disabled"
        );
        var packages = env.Python?.Packages is { } list ? $", {list.Count} Python packages" : "";
        var commit = RuntimeAttributes.Commit(env.ComfyUi);
        console.MarkupLine(
            Shown.Markup($"Runtime: ComfyUI {env.ComfyUiVersion ?? "unknown"} (commit {commit}); {python}{packages}; {gpus}")
        );
        foreach (var disk in env.Disks)
        {
            console.MarkupLine(Shown.Markup($"Disk {disk.Mount}: {Bytes.Format(disk.FreeBytes)} free of {Bytes.Format(disk.TotalBytes)}"));
        }
    }

    private static Markup Light(string category, Light light) =>
        new(
            light switch
            {
                Core.Diagnosis.Light.Red => $"{category}: [bold red]✖ RED[/]",
                Core.Diagnosis.Light.Yellow => $"{category}: [bold yellow]▲ YELLOW[/]",
                _ => $"{category}: [bold green]✔ GREEN[/]",
            }
        );

    private static string SeverityLabel(Severity severity) =>
        severity switch
        {
            Severity.Error => "[red]error[/]",
            Severity.Warning => "[yellow]warning[/]",
            _ => "[grey]info[/]",
        };
}
