using System.Net.ServerSentEvents;
using System.Text.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>
/// Follows a repair's server-sent events to the end (<see cref="RepairEventStream"/>: resumed where it left off when the
/// connection drops): on a terminal a progress bar per worker and action (bytes, rate),
/// otherwise one line per change of an action's state; returns the finished jobs.
/// </summary>
public static class RepairFollower
{
    public static async Task<JsonElement> FollowAsync(
        HttpClient http,
        IAnsiConsole console,
        string repairId,
        bool bars,
        bool quiet,
        CancellationToken ct
    )
    {
        var events = RepairEventStream.ReadAsync(http, repairId, ct);
        JsonElement done = default;
        if (bars)
        {
            await console
                .Progress()
                .AutoClear(false)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new DownloadedColumn(),
                    new TransferSpeedColumn(),
                    new SpinnerColumn()
                )
                .StartAsync(async ctx =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    done = await ReadAsync(
                        events,
                        (worker, a) =>
                        {
                            var key = worker + "\n" + a.Subject;
                            if (!tasks.TryGetValue(key, out var task))
                            {
                                tasks[key] = task = ctx.AddTask(Shown.Markup($"{worker}: {a.Subject}"), maxValue: 1);
                            }

                            task.MaxValue = Math.Max(1, a.BytesTotal ?? 1);
                            task.Value = a.State == ActionStates.Done ? task.MaxValue : Math.Min(a.BytesDone, task.MaxValue);
                            task.Description = Shown.Markup($"{worker}: {a.Subject} — {a.State}");
                        },
                        ct
                    );
                });
        }
        else
        {
            var states = new Dictionary<string, string>(StringComparer.Ordinal);
            done = await ReadAsync(
                events,
                (worker, a) =>
                {
                    var key = worker + "\n" + a.Subject;
                    if (!quiet && (!states.TryGetValue(key, out var was) || was != a.State))
                    {
                        states[key] = a.State;
                        console.WriteLine(
                            Shown.Text($"{worker}: {a.Kind} {a.Subject}: {a.State}{(a.Source is null ? "" : $" ({a.Source})")}")
                        );
                    }
                },
                ct
            );
        }

        return done;
    }

    public static void Summarise(IAnsiConsole console, JsonElement jobs)
    {
        foreach (var job in jobs.EnumerateArray())
        {
            var worker = job.GetProperty("worker").GetString()!;
            console.MarkupLine(
                Shown.Markup($"{worker}: {Step(job)} {job.GetProperty("status").GetString()}")
                    + (
                        job.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                            ? Shown.Markup($" — {e.GetString()}")
                            : ""
                    )
            );
            if (job.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object)
            {
                RepairRenderer.Render(
                    console,
                    result.GetProperty("outcome").GetProperty("actions").Deserialize<List<ActionResult>>(ReportJson.Options)!
                );
                console.WriteLine(
                    $"fixed: {result.GetProperty("fixed").GetArrayLength()}, errors left: "
                        + $"{result.GetProperty("stillOpen").GetArrayLength()}"
                );
                if (result.TryGetProperty("changed", out var changed) && changed.GetArrayLength() > 0)
                {
                    var subjects = string.Join(", ", changed.EnumerateArray().Select(c => c.GetString()));
                    console.WriteLine(Shown.Text($"changed since planned, left alone: {subjects}"));
                }

                if (result.TryGetProperty("freshPlanId", out var fresh) && fresh.ValueKind == JsonValueKind.String)
                {
                    var id = fresh.GetString();
                    console.WriteLine(
                        Shown.Text(
                            $"a fresh plan from the re-scan: {id}; "
                                + $"review it with `comfydoctor repair --plan {id} --dry-run`, "
                                + $"run it with `comfydoctor repair --plan {id}`"
                        )
                    );
                }
            }
        }
    }

    /// <summary>
    /// Every job done and every repair job with nothing left open. A worker never scanned before has its scan in the repair
    /// too: done, it either queued that worker's repair job (judged here as well) or found nothing to repair.
    /// </summary>
    public static bool AllFixed(JsonElement jobs) =>
        jobs.EnumerateArray().All(j => j.GetProperty("status").GetString() == "done" && (Step(j) == "scan first" || Repaired(j)));

    private static string Step(JsonElement job) => job.GetProperty("kind").GetString() == "scan" ? "scan first" : "repair";

    private static bool Repaired(JsonElement j) =>
        j.TryGetProperty("result", out var r)
        && r.ValueKind == JsonValueKind.Object
        && r.GetProperty("stillOpen").GetArrayLength() == 0
        && r.GetProperty("outcome")
            .GetProperty("actions")
            .EnumerateArray()
            .All(a => a.GetProperty("outcome").GetString() == ActionStates.Done);

    private static async Task<JsonElement> ReadAsync(
        IAsyncEnumerable<SseItem<JsonElement>> events,
        Action<string, ActionProgress> onAction,
        CancellationToken ct
    )
    {
        await foreach (var item in events.WithCancellation(ct))
        {
            var data = item.Data;
            if (item.EventType == "done")
            {
                return data;
            }

            var worker = data.GetProperty("worker").GetString()!;
            if (
                data.TryGetProperty("progress", out var p)
                && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("actions", out var actions)
            )
            {
                foreach (var a in actions.Deserialize<List<ActionProgress>>(ReportJson.Options) ?? [])
                {
                    onAction(worker, a);
                }
            }
        }

        throw new IOException("the server ended the event stream before the repair finished");
    }
}
