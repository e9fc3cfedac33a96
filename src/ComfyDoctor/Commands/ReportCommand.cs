using System.CommandLine;
using Spectre.Console;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor report WORKER</c>: the worker's latest report from the server, shown as <c>check</c> shows one;
/// exit code 1 when a light is red, as for <c>check</c>.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var worker = new Argument<string>("worker") { Description = "The worker's name" };
        return AdminClient.Command("report", "Print a worker's latest report", [worker],
            (http, parse, ct) => http.GetAsync($"admin/integrity-report/{AdminClient.Segment(parse.GetValue(worker)!)}", ct),
            (console, answer, parse) =>
            {
                if (answer.TryGetProperty("health", out var health) && health.ValueKind == System.Text.Json.JsonValueKind.Object && ReportJson.Deserialize<WorkerReport>(answer.GetRawText()) is { } report)
                {
                    ReportRenderer.Render(console, report);
                    console.WriteLine($"scan {FleetTables.Str(answer, "scanId")}: {FleetTables.Str(answer, "status")}");
                }
                else
                {
                    console.WriteLine($"{FleetTables.Str(answer, "worker")}: no finished scan yet");
                }

                if (answer.TryGetProperty("pending", out var pending))
                {
                    var progress = pending.TryGetProperty("progress", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Object
                        ? $" ({FleetTables.Str(p, "filesDone")}/{FleetTables.Str(p, "filesTotal")} files)" : "";
                    console.WriteLine($"a newer scan is {FleetTables.Str(pending, "status")}: {FleetTables.Str(pending, "scanId")}{progress}");
                }

                return ExitCode(answer);
            },
            ExitCode);
    }

    private static int ExitCode(JsonElement answer) =>
        answer.TryGetProperty("health", out var health) && FleetTables.AnyRed(health) ? CommandLine.ExitRed : CommandLine.ExitOk;
}
