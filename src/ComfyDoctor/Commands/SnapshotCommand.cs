using System.CommandLine;
using System.Text;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Snapshots;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>comfydoctor snapshot import FILE --tag TAG | --worker NAME</c>, <c>export WORKER [--format manager|comfydoctor]
/// [--output FILE]</c>, <c>adopt WORKER --tag TAG</c>, <c>list</c>, <c>get --tag TAG | --worker NAME [--raw] [--output FILE]</c>,
/// <c>delete --tag TAG | --worker NAME</c> (issue 19): a worker's or a tag's expected state as a ComfyUI-Manager snapshot
/// (JSON or YAML), comfy-cli's lock file, or ours with every model.
/// </summary>
public static class SnapshotCommand
{
    public static Command Create()
    {
        var snapshot = new Command("snapshot", "Snapshots as the expected state of a tag or a worker (ComfyUI-Manager's format, or ours)");
        snapshot.Subcommands.Add(Import());
        snapshot.Subcommands.Add(Export());
        snapshot.Subcommands.Add(Adopt());
        snapshot.Subcommands.Add(List());
        snapshot.Subcommands.Add(Get());
        snapshot.Subcommands.Add(Delete());
        return snapshot;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "A snapshot file: ComfyUI-Manager's JSON or YAML, comfy-cli's comfy.lock.yaml, or comfydoctor's",
        };
        var (tag, worker) = Target("applies to");
        var command = AdminClient.Command(
            "import",
            "Store a snapshot as the expected state of every worker with a tag, or of one worker",
            [file, tag, worker],
            async (http, parse, ct) =>
            {
                var path = parse.GetValue(file)!;
                using var body = new ByteArrayContent(
                    path.Exists
                        ? await File.ReadAllBytesAsync(path.FullName, ct)
                        : throw new UsageException($"file not found: {path.FullName}")
                );
                return await http.PutAsync($"{PathOf(parse, tag, worker)}?file={AdminClient.Segment(path.Name)}", body, ct);
            },
            (console, answer, parse) =>
            {
                console.WriteLine(
                    $"stored {parse.GetValue(file)!.Name} for {Describe(parse, tag, worker)}: "
                        + $"{FleetTables.Str(answer, "gitPacks")} git packs, "
                        + $"{FleetTables.Str(answer, "registryPacks")} registry packs, {FleetTables.Str(answer, "pips")} pips "
                        + $"({FleetTables.Str(answer, "format")} format)"
                );
                return CommandLine.ExitOk;
            }
        );
        command.Validators.Add(r => OneTarget(r, tag, worker));
        return command;
    }

    private static Command Export()
    {
        var worker = new Argument<string>("worker") { Description = "The worker whose last inventory is written" };
        var format = new Option<string>("--format")
        {
            Description = "manager: the file ComfyUI-Manager restores; comfydoctor: ours, with every model's SHA-256 and size",
            DefaultValueFactory = _ => SnapshotFormats.Manager,
        };
        format.AcceptOnlyFromAmong([.. SnapshotFormats.Names]);
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the file here (default: standard output)" };
        return AdminClient.Command(
            "export",
            "Write a worker's state as a snapshot file, from its last inventory",
            [worker, format, output],
            (http, parse, ct) =>
                http.GetAsync(
                    $"admin/workers/{AdminClient.Segment(parse.GetValue(worker)!)}/snapshot"
                        + $"?format={AdminClient.Segment(parse.GetValue(format)!)}",
                    ct
                ),
            (console, answer, parse) =>
            {
                var text = answer.GetRawText(); // the server's bytes as they are: byte-compatible with ComfyUI-Manager's files
                if (parse.GetValue(output) is { } file)
                {
                    File.WriteAllText(file.FullName, text, new UTF8Encoding(false));
                    console.WriteLine(
                        $"wrote {file.Name} ({parse.GetValue(format)} format) from {parse.GetValue(worker)}'s last inventory"
                    );
                }
                else
                {
                    parse.InvocationConfiguration.Output.Write(text);
                    parse.InvocationConfiguration.Output.Flush();
                }

                return CommandLine.ExitOk;
            }
        );
    }

    private static Command Adopt()
    {
        var worker = new Argument<string>("worker") { Description = "The golden worker whose state becomes the tag's expected state" };
        var tag = new Option<string>("--tag") { Description = "The tag whose workers must match it", Required = true };
        return AdminClient.Command(
            "adopt",
            "Make a golden worker's state the expected state of every worker with a tag, in one step (audited)",
            [worker, tag],
            (http, parse, ct) =>
                http.PostAsync(
                    $"admin/snapshots/tags/{AdminClient.Segment(parse.GetValue(tag)!)}"
                        + $"/adopt/{AdminClient.Segment(parse.GetValue(worker)!)}",
                    null,
                    ct
                ),
            (console, answer, parse) =>
            {
                console.WriteLine(
                    $"tag '{parse.GetValue(tag)}' now expects {parse.GetValue(worker)}'s state: "
                        + $"{FleetTables.Str(answer, "gitPacks")} git packs, "
                        + $"{FleetTables.Str(answer, "pips")} pips, {FleetTables.Str(answer, "models", "0")} models"
                );
                return CommandLine.ExitOk;
            }
        );
    }

    private static Command List() =>
        AdminClient.Command(
            "list",
            "List the stored snapshots",
            [],
            (http, _, ct) => http.GetAsync("admin/snapshots", ct),
            (console, answer, _) =>
            {
                FleetTables.Records(
                    console,
                    answer,
                    "Snapshots",
                    ("Applies to", s => $"{FleetTables.Str(s, "scope")} {FleetTables.Str(s, "name")}"),
                    ("Format", s => FleetTables.Str(s, "format")),
                    ("ComfyUI", s => FleetTables.Str(s, "comfyUi", "—")),
                    ("Git packs", s => FleetTables.Str(s, "gitPacks")),
                    ("Registry packs", s => FleetTables.Str(s, "registryPacks")),
                    ("Pips", s => FleetTables.Str(s, "pips")),
                    ("Models", s => FleetTables.Str(s, "models", "—")),
                    ("From", s => FleetTables.Str(s, "source")),
                    ("Imported", s => $"{FleetTables.Str(s, "importedAt")} by {FleetTables.Str(s, "importedBy")}")
                );
                return CommandLine.ExitOk;
            }
        );

    private static Command Get()
    {
        var (tag, worker) = Target("applies to");
        var raw = new Option<bool>("--raw")
        {
            Description = "The file exactly as imported, credentials in URLs included (audited); by default they are shown as ***",
        };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the file here (default: standard output)" };
        var command = AdminClient.Command(
            "get",
            "Print a stored snapshot (credentials in URLs hidden unless --raw)",
            [tag, worker, raw, output],
            (http, parse, ct) => http.GetAsync(PathOf(parse, tag, worker) + (parse.GetValue(raw) ? "?raw=true" : ""), ct),
            (console, answer, parse) =>
            {
                var text = answer.ValueKind == System.Text.Json.JsonValueKind.String ? answer.GetString()! : answer.GetRawText();
                if (parse.GetValue(output) is { } file)
                {
                    File.WriteAllText(file.FullName, text, new UTF8Encoding(false));
                    console.WriteLine($"wrote {file.Name}: the snapshot of {Describe(parse, tag, worker)}");
                }
                else
                {
                    parse.InvocationConfiguration.Output.Write(text);
                    parse.InvocationConfiguration.Output.Flush();
                }

                return CommandLine.ExitOk;
            }
        );
        command.Validators.Add(r => OneTarget(r, tag, worker));
        return command;
    }

    private static Command Delete()
    {
        var (tag, worker) = Target("applies to");
        var command = AdminClient.Command(
            "delete",
            "Delete a stored snapshot: its workers are judged again without it",
            [tag, worker],
            (http, parse, ct) => http.DeleteAsync(PathOf(parse, tag, worker), ct),
            (console, answer, parse) =>
            {
                console.WriteLine($"deleted the snapshot of {Describe(parse, tag, worker)}; {answer} latest reports judged again");
                return CommandLine.ExitOk;
            }
        );
        command.Validators.Add(r => OneTarget(r, tag, worker));
        return command;
    }

    private static (Option<string> Tag, Option<string> Worker) Target(string what) =>
        (
            new Option<string>("--tag") { Description = $"The tag it {what} (every worker enrolled with it)" },
            new Option<string>("--worker") { Description = $"The one worker it {what}" }
        );

    private static void OneTarget(System.CommandLine.Parsing.CommandResult result, Option<string> tag, Option<string> worker)
    {
        if ((result.GetValue(tag) is null) == (result.GetValue(worker) is null))
        {
            result.AddError("name one of --tag TAG or --worker NAME");
        }
    }

    private static string PathOf(ParseResult parse, Option<string> tag, Option<string> worker) =>
        parse.GetValue(tag) is { } t
            ? $"admin/snapshots/tags/{AdminClient.Segment(t)}"
            : $"admin/snapshots/workers/{AdminClient.Segment(parse.GetValue(worker)!)}";

    private static string Describe(ParseResult parse, Option<string> tag, Option<string> worker) =>
        parse.GetValue(tag) is { } t ? $"tag '{t}'" : $"worker '{parse.GetValue(worker)}'";
}
