using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Reports;
using Spectre.Console;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// <c>comfydoctor repair WORKER|--all [--sync-models] [--install-nodes] [--dry-run]</c> (neither flag: Verify &amp; Repair),
/// <c>comfydoctor repair --plan ID [--dry-run]</c> (run, or show, a stored plan: what a dry run printed, or a fresh plan a
/// repair offered — exactly its actions) and
/// <c>comfydoctor sync-models WORKER --from REF</c> and <c>comfydoctor quarantine WORKER MODEL...</c>: a dry run prints each worker's plan;
/// otherwise the repair is started and followed live (a progress bar per worker and action on a terminal, a line per change otherwise) to
/// its results. Exit code 1 when an action failed or an error is left.
/// </summary>
public static class RepairCommand
{
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Show the plan; change nothing" };
    private static readonly Option<string[]> Models = new("--models")
    {
        Description = "Only these model identities",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        var worker = new Argument<string?>("worker") { Description = "The worker to repair", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Repair every registered worker" };
        var sync = new Option<bool>("--sync-models") { Description = "Fetch verified copies of missing or broken registry models" };
        var nodes = new Option<bool>("--install-nodes")
        {
            Description = "Install the node packs registered workflows need, at their pinned versions",
        };
        var plan = new Option<string>("--plan")
        {
            Description = "Run the stored plan with this id (from a dry run, or a repair's fresh plan); with --dry-run, show it",
        };
        var command = Base("repair", "Repair workers: Verify & Repair (deep scan, then every fix), or only the named kinds of fix");
        command.Arguments.Add(worker);
        command.Options.Add(all);
        command.Options.Add(sync);
        command.Options.Add(nodes);
        command.Options.Add(plan);
        command.Validators.Add(r =>
        {
            if (new[] { r.GetValue(worker) is not null, r.GetValue(all), r.GetValue(plan) is not null }.Count(x => x) != 1)
            {
                r.AddError("name one WORKER, --all or --plan ID");
            }
            else if (r.GetValue(plan) is not null && (r.GetValue(sync) || r.GetValue(nodes) || r.GetValue(Models) is { Length: > 0 }))
            {
                r.AddError("--plan runs a stored plan as it is: it takes no --sync-models, --install-nodes or --models");
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () =>
                {
                    if (parse.GetValue(plan) is { } id)
                    {
                        var path = $"admin/repair-plans/{AdminClient.Segment(id)}";
                        return RunAsync(
                            parse,
                            (http, token) =>
                                parse.GetValue(DryRun)
                                    ? http.GetAsync(path, token)
                                    : http.PostAsJsonAsync(path + "/confirm", new { }, token),
                            ct
                        );
                    }

                    List<string> actions =
                    [
                        .. parse.GetValue(sync) ? [RepairScope.SyncModelsAction] : Array.Empty<string>(),
                        .. parse.GetValue(nodes) ? [RepairScope.InstallNodesAction] : Array.Empty<string>(),
                    ];
                    var body = new
                    {
                        workers = parse.GetValue(worker) is { } one ? new[] { one } : null,
                        actions = actions.Count == 0 ? [RepairScope.VerifyAndRepairAction] : actions,
                        dryRun = parse.GetValue(DryRun),
                        models = ModelsOf(parse),
                    };
                    return RunAsync(parse, (http, token) => http.PostAsJsonAsync("admin/repair", body, token), ct);
                }));
        return command;
    }

    public static Command CreateSyncModels()
    {
        var worker = new Argument<string>("worker") { Description = "The worker to fill" };
        var from = new Option<string>("--from")
        {
            Description = "The source: a reference worker, or a configured mirror's name",
            Required = true,
        };
        var command = Base(
            "sync-models",
            "Copy a worker's missing or broken registry models from a reference worker or a mirror, verified"
        );
        command.Arguments.Add(worker);
        command.Options.Add(from);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () => RunAsync(
                        parse,
                        (http, token) =>
                            http.PostAsJsonAsync(
                                $"admin/sync-models/{AdminClient.Segment(parse.GetValue(worker)!)}",
                                new
                                {
                                    from = parse.GetValue(from),
                                    models = ModelsOf(parse),
                                    dryRun = parse.GetValue(DryRun),
                                },
                                token
                            ),
                        ct
                    )));
        return command;
    }

    public static Command CreateQuarantine()
    {
        var worker = new Argument<string>("worker") { Description = "The worker holding the files" };
        var files = new Argument<string[]>("models")
        {
            Description = "Model identities of unknown or unsafe files (e.g. embeddings/x.pt)",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(
            "quarantine",
            "Move named unknown or unsafe model files out of ComfyUI's reach, into the worker's quarantine (kept, not deleted)"
        )
        {
            AdminClient.Server,
            AdminClient.Token,
            AdminClient.TokenFile,
            AdminClient.Json,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
            DryRun,
        };
        command.Arguments.Add(worker);
        command.Arguments.Add(files);
        command.SetAction(
            (parse, ct) =>
                CommandRunner.RunAsync(parse, () =>
                    RunAsync(
                        parse,
                        (http, token) =>
                            http.PostAsJsonAsync(
                                $"admin/quarantine/{AdminClient.Segment(parse.GetValue(worker)!)}",
                                new { models = parse.GetValue(files), dryRun = parse.GetValue(DryRun) },
                                token
                            ),
                        ct
                    )
                )
        );
        return command;
    }

    private static string[]? ModelsOf(ParseResult parse) => parse.GetValue(Models) is { Length: > 0 } models ? models : null;

    private static Command Base(string name, string description) =>
        new(name, description)
        {
            AdminClient.Server,
            AdminClient.Token,
            AdminClient.TokenFile,
            AdminClient.Json,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
            DryRun,
            Models,
        };

    private static async Task<int> RunAsync(
        ParseResult parse,
        Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> post,
        CancellationToken ct
    )
    {
        using var http = AdminClient.Client(parse);
        http.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await AdminClient.SendAsync((h, _, token) => post(h, token), http, parse, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new UsageException($"{(int)response.StatusCode} {response.ReasonPhrase}: {ProblemText.Of(text)}");
        }

        var answer = JsonDocument.Parse(text).RootElement.Clone();
        var json = parse.GetValue(AdminClient.Json);
        var console = Terminal.For(parse);
        if (parse.GetValue(DryRun))
        {
            if (json)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(answer, ReportJson.Options));
            }
            else
            {
                RepairRenderer.RenderStored(console, answer);
            }

            return CommandLine.ExitOk;
        }

        var repairId = answer.GetProperty("repairId").GetString()!;
        var jobs = await RepairFollower.FollowAsync(http, console, repairId, ScanProgressDisplay.IsWanted(json, console), json, ct);
        if (json)
        {
            await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(jobs, ReportJson.Options));
        }
        else
        {
            RepairFollower.Summarise(console, jobs);
        }

        return RepairFollower.AllFixed(jobs) ? CommandLine.ExitOk : CommandLine.ExitRed;
    }
}
