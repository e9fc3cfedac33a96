using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor schedule ["CRON"] [--deep]</c>: set the fleet's scan schedule (5-field cron, UTC), or show it.</summary>
public static class ScheduleCommand
{
    public static Command Create()
    {
        var cron = new Argument<string?>("cron")
        {
            Description = "A 5-field cron expression in UTC, e.g. \"0 3 * * *\" (none: show the schedule)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var deep = new Option<bool>("--deep") { Description = "Scheduled scans re-read every byte" };
        return AdminClient.Command(
            "schedule",
            "Scan the whole fleet on a schedule, or show the schedule",
            [cron, deep],
            (http, parse, ct) =>
                parse.GetValue(cron) is { } expression
                    ? http.PutAsJsonAsync("admin/schedule", new { cron = expression, deep = parse.GetValue(deep) }, ct)
                    : http.GetAsync("admin/schedule", ct),
            (console, answer, parse) =>
            {
                console.WriteLine(
                    answer.ValueKind == JsonValueKind.Object
                        ? $"fleet scan \"{answer.GetProperty("cron").GetString()}\" "
                            + $"(UTC){(answer.GetProperty("deep").GetBoolean() ? ", deep" : "")}; next at "
                            + $"{answer.GetProperty("nextRun"):O}"
                        : $"fleet scan \"{parse.GetValue(cron)}\" (UTC) set; next at {answer}"
                );
                return CommandLine.ExitOk;
            }
        );
    }
}
