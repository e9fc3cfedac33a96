using System.CommandLine;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor registry import FILE | adopt WORKER | list</c>: the server's asset registry of known-good models.</summary>
public static class RegistryCommand
{
    public static Command Create()
    {
        var registry = new Command("registry", "The asset registry of known-good models");

        var file = new Argument<FileInfo>("file") { Description = "A registry file (JSON or YAML)" };
        registry.Subcommands.Add(
            AdminClient.Command(
                "import",
                "Import a registry file into the server",
                [file],
                async (http, parse, ct) =>
                {
                    var path = parse.GetValue(file)!;
                    using var body = new StringContent(
                        path.Exists
                            ? await File.ReadAllTextAsync(path.FullName, ct)
                            : throw new UsageException($"file not found: {path.FullName}")
                    );
                    return await http.PostAsync("admin/models", body, ct);
                },
                (console, answer, parse) =>
                {
                    console.WriteLine($"imported {answer} registry entries from {parse.GetValue(file)!.Name}");
                    return CommandLine.ExitOk;
                }
            )
        );

        var worker = new Argument<string>("worker") { Description = "The trusted worker whose verified models become known-good" };
        registry.Subcommands.Add(
            AdminClient.Command(
                "adopt",
                "Register a trusted worker's verified models as known-good",
                [worker],
                (http, parse, ct) => http.PostAsync($"admin/models/adopt/{AdminClient.Segment(parse.GetValue(worker)!)}", null, ct),
                (console, answer, parse) =>
                {
                    console.WriteLine($"adopted {answer} models of {parse.GetValue(worker)} as known-good");
                    return CommandLine.ExitOk;
                }
            )
        );

        registry.Subcommands.Add(
            AdminClient.Command(
                "list",
                "List the registry's known-good models",
                [],
                (http, _, ct) => http.GetAsync("admin/models", ct),
                (console, answer, _) =>
                {
                    FleetTables.Records(
                        console,
                        answer,
                        "Registry",
                        ("Model", m => FleetTables.Str(m, "identity")),
                        ("SHA-256", m => FleetTables.Str(m, "sha256")),
                        ("Size", m => FleetTables.Str(m, "size", "?")),
                        ("Kind", m => FleetTables.Str(m, "kind", "—")),
                        ("Family", m => FleetTables.Str(m, "family", "—")),
                        ("Sources", m => m.GetProperty("urls").GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture))
                    );
                    return CommandLine.ExitOk;
                }
            )
        );
        return registry;
    }
}
