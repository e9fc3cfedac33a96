using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor audit [--page N] [--size N]</c> and <c>audit verify</c> (exit code 1 when the hash chain is broken).</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var page = new Option<int>("--page") { Description = "Which page (from 1)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "Records per page (at most 500)", DefaultValueFactory = _ => 100 };
        var audit = AdminClient.Command(
            "audit",
            "Print the audit trail, oldest first",
            [page, size],
            (http, parse, ct) => http.GetAsync($"admin/audit?page={parse.GetValue(page)}&size={parse.GetValue(size)}", ct),
            (console, answer, _) =>
            {
                FleetTables.Records(
                    console,
                    answer,
                    "Audit trail",
                    ("#", a => FleetTables.Str(a, "seq")),
                    ("Time (UTC)", a => FleetTables.Time(a, "time")),
                    ("Who", a => FleetTables.Str(a, "actor")),
                    ("Action", a => FleetTables.Str(a, "action")),
                    ("Target", a => FleetTables.Str(a, "target")),
                    ("Parameters", a => FleetTables.Str(a, "parameters")),
                    ("Outcome", a => FleetTables.Str(a, "outcome"))
                );
                return CommandLine.ExitOk;
            }
        );

        audit.Subcommands.Add(
            AdminClient.Command(
                "verify",
                "Check the audit trail's hash chain: edited, deleted or reordered records",
                [],
                (http, _, ct) => http.GetAsync("admin/audit/verify", ct),
                (console, answer, _) =>
                {
                    console.WriteLine(
                        Intact(answer)
                            ? $"audit trail intact: {answer.GetProperty("records").GetInt32()} records"
                            : $"AUDIT TRAIL BROKEN: {answer.GetProperty("problem").GetString()}"
                    );
                    return ExitCode(answer);
                },
                ExitCode
            )
        );
        return audit;
    }

    private static bool Intact(JsonElement answer) => answer.GetProperty("intact").GetBoolean();

    private static int ExitCode(JsonElement answer) => Intact(answer) ? CommandLine.ExitOk : CommandLine.ExitRed;
}
