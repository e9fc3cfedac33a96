using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>The rows of <c>deploy</c> for people: host, outcome, worker, its first lights, what was done (or why not).</summary>
public static class DeployTable
{
    public static void Write(IAnsiConsole console, IEnumerable<DeployRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Deploy");
        table.AddColumns("Host", "Outcome", "Worker", "Lights", "Done");
        foreach (var row in rows)
        {
            var lights = row.Lights is null ? "—" : string.Join(" ", row.Lights.Select(l => $"{l.Key}:{l.Value}"));
            var done = row.Error
                ?? string.Join(
                    "; ",
                    row.Changes.DefaultIfEmpty("nothing to change")
                        .Concat(row.Service is { } service && service.StartsWith("no systemd", StringComparison.Ordinal) ? [service] : [])
                );
            table.AddRow(
                new Text(row.Host),
                new Text(row.Outcome),
                new Text(row.Worker ?? "—"),
                new Text(lights),
                new Text(Shown.Text(done))
            );
        }

        console.Write(table);
    }
}
