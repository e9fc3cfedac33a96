using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor report WORKER</c>: the worker's latest report from the server, shown as <c>check</c> shows one;
/// exit code 1 when a light is red, as for <c>check</c>.</summary>
public static class ReportCommand
{
    /// <summary>Says when the server sent only the first page of a long report (a worker with 100,000 model files).</summary>
    private static void Paged(IAnsiConsole console, System.Text.Json.JsonElement answer, WorkerReport report)
    {
        if (!answer.TryGetProperty("paging", out var paging))
        {
            return;
        }

        var (findings, models) = (
            paging.GetProperty("findings").GetProperty("total").GetInt32(),
            paging.GetProperty("models").GetProperty("total").GetInt32()
        );
        if (findings > report.Findings.Count || models > report.Inventory.Models.Count)
        {
            console.WriteLine(
                $"shown: the first {report.Findings.Count:N0} of {findings:N0} findings and {report.Inventory.Models.Count:N0} of "
                    + $"{models:N0} model files; "
                    + "the rest: GET /admin/integrity-report/{worker}?findingsOffset=&modelsOffset=&limit=, or the worker's dashboard page"
            );
        }
    }

    public static Command Create()
    {
        var worker = new Argument<string>("worker") { Description = "The worker's name" };
        return AdminClient.Command(
            "report",
            "Print a worker's latest report",
            [worker],
            (http, parse, ct) => http.GetAsync($"admin/integrity-report/{AdminClient.Segment(parse.GetValue(worker)!)}", ct),
            (console, answer, parse) =>
            {
                if (
                    answer.TryGetProperty("health", out var health)
                    && health.ValueKind == System.Text.Json.JsonValueKind.Object
                    && ReportJson.Deserialize<WorkerReport>(answer.GetRawText()) is { } report
                )
                {
                    ReportRenderer.Render(console, report);
                    console.WriteLine($"scan {FleetTables.Str(answer, "scanId")}: {FleetTables.Str(answer, "status")}");
                    Paged(console, answer, report);
                }
                else
                {
                    console.WriteLine($"{FleetTables.Str(answer, "worker")}: no finished scan yet");
                }

                if (answer.TryGetProperty("pending", out var pending))
                {
                    var progress =
                        pending.TryGetProperty("progress", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Object
                            ? $" ({FleetTables.Str(p, "filesDone")}/{FleetTables.Str(p, "filesTotal")} files)"
                            : "";
                    console.WriteLine(
                        $"a newer scan is {FleetTables.Str(pending, "status")}: {FleetTables.Str(pending, "scanId")}{progress}"
                    );
                }

                return ExitCode(answer);
            },
            ExitCode
        );
    }

    private static int ExitCode(JsonElement answer) =>
        answer.TryGetProperty("health", out var health) && FleetTables.AnyRed(health) ? CommandLine.ExitRed : CommandLine.ExitOk;
}
