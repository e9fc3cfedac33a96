using System.CommandLine;
using System.Net.Http.Json;
using ComfyDoctor.Cli.Output;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor scan [--workers a b] [--deep]</c>: queue an integrity scan; prints the scan and job of each worker.</summary>
public static class ScanCommand
{
    public static Command Create()
    {
        var workers = new Option<string[]>("--workers")
        {
            Description = "Workers to scan (default: all)",
            AllowMultipleArgumentsPerToken = true,
        };
        var deep = new Option<bool>("--deep") { Description = "Re-read every byte instead of trusting the hash cache" };
        return AdminClient.Command(
            "scan",
            "Request an integrity scan of workers",
            [workers, deep],
            (http, parse, ct) =>
                http.PostAsJsonAsync(
                    "admin/integrity-scan",
                    new { workers = Names(parse.GetValue(workers)), deep = parse.GetValue(deep) },
                    ct
                ),
            (console, answer, _) =>
            {
                FleetTables.Records(
                    console,
                    answer,
                    "Scans queued",
                    ("Worker", s => FleetTables.Str(s, "worker")),
                    ("Scan", s => FleetTables.Str(s, "scanId")),
                    ("Job", s => FleetTables.Str(s, "jobId"))
                );
                return CommandLine.ExitOk;
            }
        );
    }

    /// <summary>Accepts <c>--workers a b</c> and <c>--workers a,b</c>.</summary>
    private static string[]? Names(string[]? given) =>
        given is { Length: > 0 }
            ? given.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
            : null;
}
