using System.CommandLine;
using System.Text.Json;
using ComfyDoctor.Agent.Demo;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Cli.Output;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Reports;
using Spectre.Console;
using static ComfyDoctor.Cli.Commands.CheckCommand;

namespace ComfyDoctor.Cli.Commands;

/// <summary>One run of <c>check</c>: read inputs, scan, diagnose, optionally install missing node packs, report.</summary>
internal static class CheckRun
{
    public static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var json = parse.GetValue(Json);
        var console = Terminal.For(parse);
        var (comfyRoot, registryFile) = Locate(parse, json, console);
        var registry = registryFile is null ? ModelRegistry.Empty : Inputs.ReadRegistry(registryFile);
        var workflows = Workflows.Any(parse) ? await Workflows.ResolveAsync(parse, ct, Path.Combine(comfyRoot, "custom_nodes")) : null;
        var expected = ExpectedState.FromRegistry(registry) with
        {
            Policy = HealthPolicy.Default.WithDiskGiB(parse.GetValue(DiskYellow), parse.GetValue(DiskRed)),
        };
        if (workflows is not null)
        {
            expected = WorkflowInputs.AddTo(expected, workflows.Report);
        }

        var options = new ScanOptions(
            comfyRoot,
            parse.GetValue(ExtraModelPaths)?.Select(f => f.FullName).ToList() ?? [],
            parse.GetValue(Deep),
            parse.GetValue(Parallelism),
            parse.GetValue(Cache)?.FullName ?? WorkerScanner.DefaultCacheFile(comfyRoot),
            parse.GetValue(Python),
            parse.GetValue(Name) ?? Environment.MachineName
        )
        {
            ComfyUrl = parse.GetValue(ComfyUrl),
        };

        var dryRun = parse.GetValue(Fixes.DryRun);
        using var writer =
            (Fixes.FixNodes(parse) || Fixes.FixModels(parse)) && !dryRun
                ? await InstallationLock.AcquireAsync(
                    comfyRoot,
                    "check --fix " + string.Join(' ', parse.GetValue(Fixes.Fix)!),
                    TimeSpan.FromSeconds(parse.GetValue(Fixes.LockWait)),
                    message => parse.InvocationConfiguration.Error.WriteLine($"comfydoctor: {message}"),
                    ct
                )
                : null; // one writer per installation, from the first scan to the re-scan that proves the fix
        var report = await ScanAsync(options, expected, json, console, ct);
        var installPolicy = Fixes.Policy(parse, workflows?.Catalog, workflows?.Pins ?? Core.NodeResolution.AdminPins.Empty);
        var nodeEnables = Fixes.FixNodes(parse) ? await NodeFixer.EnableAsync(report, expected, installPolicy, dryRun, ct) : null;
        var nodeFixes = Fixes.FixNodes(parse)
            ? await FixNodesAsync(parse, comfyRoot, report, expected, workflows, json, console, ct)
            : null;
        var modelPlan = Fixes.FixModels(parse) ? ModelFixer.Plan(report, expected, Fixes.Mirrors(parse)) : null;
        var modelFixes =
            modelPlan is null || dryRun
                ? null
                : await ModelFixer.RunAsync(modelPlan, report, comfyRoot, parse.GetValue(Fixes.QuarantineDays), ct);
        if (
            !dryRun
            && (
                nodeFixes?.Any(f => f.Outcome is InstallOutcome.Installed or InstallOutcome.Updated) == true
                || nodeEnables?.Any(f => f.Outcome == Core.Protocol.ActionStates.Done) == true
                || modelFixes?.Any(f => f.Outcome == Core.Protocol.ActionStates.Done) == true
            )
        )
        {
            report = await ScanAsync(options, expected, json, console, ct); // prove the fix
        }

        nodeFixes = nodeFixes is null ? null : NodeFixer.Confirm(nodeFixes, report.Inventory.Live);

        if (json)
        {
            var nodePlanNotes = nodeFixes is null ? null : NodeFixer.PlanNotes(report.Inventory.Environment.Python?.Executable);
            object answer =
                nodeFixes is null && modelPlan is null
                    ? report
                    : new
                    {
                        report,
                        nodePlanNotes,
                        nodeEnables,
                        nodeFixes,
                        modelPlan,
                        modelFixes,
                    };
            await WriteJsonAsync(parse.InvocationConfiguration.Output, answer, ct);
        }
        else
        {
            if (nodeEnables is { Count: > 0 })
            {
                RepairRenderer.Render(console, nodeEnables);
            }

            if (nodeFixes is not null)
            {
                InstallResultRenderer.Render(console, nodeFixes);
            }

            if (modelPlan is not null && modelFixes is null)
            {
                RepairRenderer.Render(console, modelPlan);
            }

            if (modelFixes is not null)
            {
                RepairRenderer.Render(console, modelFixes);
            }

            ReportRenderer.Render(console, report);
        }

        return report.Health.AnyRed ? CommandLine.ExitRed : CommandLine.ExitOk;
    }

    /// <summary>
    /// To the process's stdout streamed, never one string: a million-entry registry's report is hundreds of MiB of JSON. A
    /// test running the command in process gets it in its writer.
    /// </summary>
    private static async Task WriteJsonAsync(TextWriter output, object answer, CancellationToken ct)
    {
        if (!ReferenceEquals(output, Console.Out))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(answer, ReportJson.Options));
            return;
        }

        await Console.Out.FlushAsync(ct);
        await using var stdout = Console.OpenStandardOutput();
        await JsonSerializer.SerializeAsync(stdout, answer, ReportJson.Options, ct);
        await stdout.WriteAsync("\n"u8.ToArray(), ct);
    }

    private static (string ComfyRoot, string? RegistryFile) Locate(ParseResult parse, bool json, IAnsiConsole console)
    {
        var comfyRoot = parse.GetValue(ComfyUi)?.FullName;
        var registryFile = parse.GetValue(Registry)?.FullName;
        if (parse.GetResult(Demo) is { Implicit: false })
        {
            var folder = parse.GetValue(Demo)?.FullName ?? Path.Combine(Path.GetTempPath(), "comfydoctor-demo");
            var demo = DemoInstallation.Create(folder);
            comfyRoot ??= demo.ComfyUiRoot;
            registryFile ??= demo.RegistryFile;
            if (!json)
            {
                console.MarkupLine(Markup.Escape($"Demo installation written to {folder} (registry: {demo.RegistryFile})"));
            }
        }

        return Directory.Exists(comfyRoot) ? (comfyRoot, registryFile) : throw new UsageException($"ComfyUI folder not found: {comfyRoot}");
    }

    private static async Task<WorkerReport> ScanAsync(
        ScanOptions options,
        ExpectedState expected,
        bool json,
        IAnsiConsole console,
        CancellationToken ct
    )
    {
        var scanner = new WorkerScanner();
        var inventory = ScanProgressDisplay.IsWanted(json, console)
            ? await ScanProgressDisplay.RunAsync(console, progress => scanner.ScanAsync(options, progress, ct))
            : await scanner.ScanAsync(options, null, ct);
        return WorkerReport.From(inventory, Diagnoser.Diagnose(expected, inventory));
    }

    private static async Task<IReadOnlyList<PackInstallResult>> FixNodesAsync(
        ParseResult parse,
        string comfyRoot,
        WorkerReport report,
        ExpectedState expected,
        WorkflowInputs.Loaded? workflows,
        bool json,
        IAnsiConsole console,
        CancellationToken ct
    )
    {
        var requests = NodeFixer.Requests(report, expected, workflows?.Catalog);
        var policy = Fixes.Policy(parse, workflows?.Catalog, workflows?.Pins ?? Core.NodeResolution.AdminPins.Empty);
        var context = new InstallContext(comfyRoot, report.Inventory.Environment.Python?.Executable, parse.GetValue(Fixes.DryRun));
        var registry = parse.GetValue(Fixes.RegistryApi) is { } api ? new RegistrySource("registry", api) : null;
        if (!json && requests.Count > 0)
        {
            foreach (var note in NodeFixer.PlanNotes(context.PythonExecutable))
            {
                console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
            }
        }

        IProgress<InstallProgress>? progress = json
            ? null
            : new Progress<InstallProgress>(p =>
                console.MarkupLine(Markup.Escape($"  {p.Pack}: {p.Stage.ToString().ToLowerInvariant()} — {p.Message}"))
            );
        return await NodeFixer.RunAsync(requests, policy, context, registry, NodeClassScanner.Scan, progress, ct);
    }
}
