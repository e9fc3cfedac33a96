using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Diagnosis;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor orphans</c>: models installed on workers that no registered workflow uses, and the disk they would
/// free.</summary>
public static class OrphansCommand
{
    public static Command Create() =>
        AdminClient.Command(
            "orphans",
            "List models no registered workflow uses, with the disk they would free",
            [],
            (http, _, ct) => http.GetAsync("admin/orphaned-models", ct),
            (console, answer, _) =>
            {
                FleetTables.Records(
                    console,
                    answer.GetProperty("models"),
                    "Orphaned models",
                    ("Model", m => FleetTables.Str(m, "identity")),
                    ("Size (all copies)", m => Size(m, "bytes")),
                    ("Copies", m =>
                        string.Join(
                            ", ",
                            m.GetProperty("copies")
                                .EnumerateArray()
                                .Select(c => $"{FleetTables.Str(c, "worker")}:{FleetTables.Str(c, "volume", "?")}")
                        )
                    )
                );
                FleetTables.Records(
                    console,
                    answer.GetProperty("volumes"),
                    "Space freed per volume",
                    ("Worker", v => FleetTables.Str(v, "worker")),
                    ("Volume", v => FleetTables.Str(v, "volume", "unknown")),
                    ("Files", v => FleetTables.Str(v, "files")),
                    ("Would free", v => Size(v, "bytes"))
                );
                console.WriteLine($"{answer.GetProperty("models").GetArrayLength()} orphaned models, {Size(answer, "totalBytes")} in all");
                return CommandLine.ExitOk;
            }
        );

    private static string Size(JsonElement e, string name) => Bytes.Format(e.GetProperty(name).GetInt64());
}
