using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor workflows add FILE [--name N] | list</c>: the workflows every worker must be able to run.</summary>
public static class WorkflowsCommand
{
    public static Command Create()
    {
        var workflows = new Command("workflows", "Registered workflows: what every worker must be able to run");

        var file = new Argument<FileInfo>("file") { Description = "A workflow JSON (UI or API shape)" };
        var name = new Option<string?>("--name") { Description = "The workflow's name (default: the file name)" };
        workflows.Subcommands.Add(
            AdminClient.Command(
                "add",
                "Register a workflow (its node types and models become requirements)",
                [file, name],
                async (http, parse, ct) =>
                {
                    var path = parse.GetValue(file)!;
                    using var body = new StringContent(
                        path.Exists
                            ? await File.ReadAllTextAsync(path.FullName, ct)
                            : throw new UsageException($"file not found: {path.FullName}")
                    );
                    return await http.PostAsync(
                        $"admin/workflows?name={Uri.EscapeDataString(parse.GetValue(name) ?? path.Name)}",
                        body,
                        ct
                    );
                },
                (console, answer, parse) =>
                {
                    console.WriteLine(
                        $"registered {parse.GetValue(name) ?? parse.GetValue(file)!.Name}: needs {Count(answer, "nodePacks")} node packs, "
                            + $"{Count(answer, "models")} models; {Count(answer, "unresolved")} node types unresolved"
                    );
                    return CommandLine.ExitOk;
                }
            )
        );

        workflows.Subcommands.Add(
            AdminClient.Command(
                "list",
                "List the registered workflows and what they need",
                [],
                (http, _, ct) => http.GetAsync("admin/workflows", ct),
                (console, answer, _) =>
                {
                    FleetTables.Records(
                        console,
                        answer,
                        "Workflows",
                        ("Name", w => FleetTables.Str(w, "name")),
                        ("Added (UTC)", w => FleetTables.Time(w, "addedAt")),
                        ("Node packs", w => Count(w.GetProperty("requirements"), "nodePacks")),
                        ("Models", w => Count(w.GetProperty("requirements"), "models")),
                        ("Unresolved", w => Count(w.GetProperty("requirements"), "unresolved"))
                    );
                    return CommandLine.ExitOk;
                }
            )
        );
        return workflows;
    }

    private static string Count(JsonElement needs, string name) =>
        needs.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.GetArrayLength().ToString(CultureInfo.InvariantCulture)
            : "0";
}
