using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>comfydoctor catalog import FILE... | show | pins FILE | pin TYPE URL</c>: the node catalog the server resolves
/// workflows with (ComfyUI-Manager's extension-node-map.json, custom-node-list.json, github-stats.json) and the admin's pins.
/// </summary>
public static class CatalogCommand
{
    public static Command Create()
    {
        var catalog = new Command("catalog", "The server's node catalog (ComfyUI-Manager's files) and the admin's pins");
        var files = new Argument<FileInfo[]>("files")
        {
            Description = "extension-node-map.json, custom-node-list.json and/or github-stats.json",
            Arity = ArgumentArity.OneOrMore,
        };
        catalog.Subcommands.Add(
            AdminClient.Command(
                "import",
                "Import catalog files; every registered workflow is resolved again",
                [files],
                async (http, parse, ct) =>
                {
                    using var form = new MultipartFormDataContent();
                    foreach (var file in parse.GetValue(files)!)
                    {
                        var part = new StreamContent(
                            file.Exists ? file.OpenRead() : throw new UsageException($"file not found: {file.FullName}")
                        );
                        part.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        form.Add(part, "files", file.Name);
                    }

                    return await http.PutAsync("admin/node-catalog", form, ct);
                },
                (console, answer, _) => Changed(console, answer, "imported")
            )
        );

        catalog.Subcommands.Add(
            AdminClient.Command(
                "show",
                "What the server's catalog holds, from where and when; the last refresh",
                [],
                (http, _, ct) => http.GetAsync("admin/node-catalog", ct),
                (console, answer, _) =>
                {
                    FleetTables.Records(
                        console,
                        answer.GetProperty("files"),
                        "Node catalog",
                        ("File", f => FleetTables.Str(f, "file")),
                        ("From", f => FleetTables.Str(f, "source")),
                        ("Imported (UTC)", f => FleetTables.Time(f, "importedAt")),
                        ("By", f => FleetTables.Str(f, "importedBy")),
                        ("SHA-256", f => FleetTables.Str(f, "sha256")[..Math.Min(12, FleetTables.Str(f, "sha256").Length)])
                    );
                    var pins = answer.GetProperty("pins");
                    console.WriteLine($"{Int(answer, "packs")} packs; pins: {Int(pins, "packs")} packs, {Int(pins, "nodes")} node types");
                    if (answer.TryGetProperty("refresh", out var refresh) && refresh.ValueKind == JsonValueKind.Object)
                    {
                        var error =
                            refresh.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                        console.WriteLine(
                            $"refreshed from {FleetTables.Str(refresh, "source")} every {FleetTables.Str(refresh, "every")}: "
                                + (error is null ? "last refresh ok" : $"last refresh FAILED ({error}); the last good catalog is kept")
                        );
                        return error is null ? CommandLine.ExitOk : CommandLine.ExitRed;
                    }

                    return CommandLine.ExitOk;
                }
            )
        );

        var pinsFile = new Argument<FileInfo>("file") { Description = "A pins file, YAML or JSON (the --pins format of check, resolve)" };
        catalog.Subcommands.Add(
            AdminClient.Command(
                "pins",
                "Replace the admin's pins on the server (audited); every workflow is resolved again",
                [pinsFile],
                async (http, parse, ct) =>
                {
                    var file = parse.GetValue(pinsFile)!;
                    using var body = new StringContent(
                        file.Exists
                            ? await File.ReadAllTextAsync(file.FullName, ct)
                            : throw new UsageException($"file not found: {file.FullName}")
                    );
                    return await http.PutAsync("admin/pins", body, ct);
                },
                (console, answer, _) => Changed(console, answer, "pins replaced")
            )
        );

        var type = new Argument<string>("type") { Description = "The node type" };
        var url = new Argument<string>("url") { Description = "The pack's repository URL" };
        catalog.Subcommands.Add(
            AdminClient.Command(
                "pin",
                "Pin one node type to one pack (the other pins stay)",
                [type, url],
                (http, parse, ct) =>
                    http.PostAsJsonAsync("admin/pins/nodes", new { type = parse.GetValue(type), url = parse.GetValue(url) }, ct),
                (console, answer, parse) => Changed(console, answer, $"pinned {parse.GetValue(type)} to {parse.GetValue(url)}")
            )
        );
        return catalog;
    }

    private static int Changed(IAnsiConsole console, JsonElement answer, string what)
    {
        console.WriteLine(
            answer.GetProperty("unchanged").GetBoolean()
                ? $"{what}: unchanged (same files as stored)"
                : $"{what}: {Int(answer, "packs")} packs; {Int(answer, "workflowsResolved")} workflows re-resolved "
                    + $"({Int(answer, "workflowsChanged")} changed), {Int(answer, "reportsJudged")} latest reports judged again"
        );
        foreach (var warning in answer.GetProperty("warnings").EnumerateArray())
        {
            console.WriteLine($"warning: {warning.GetString()}");
        }

        return CommandLine.ExitOk;
    }

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();
}
