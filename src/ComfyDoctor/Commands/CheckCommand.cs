using System.CommandLine;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Diagnosis;
using static System.FormattableString;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor check</c>: offline diagnosis of one ComfyUI installation, no server needed.</summary>
public static class CheckCommand
{
    internal static readonly Option<DirectoryInfo?> ComfyUi = new("--comfyui")
    {
        Description = "The ComfyUI folder (holds models/ and custom_nodes/)",
    };
    internal static readonly Option<FileInfo?> Registry = new("--registry")
    {
        Description = "Known-good models, JSON or YAML: models: [{path, sha256, size?, urls?}]",
    };
    internal static readonly Option<FileInfo[]> ExtraModelPaths = new("--extra-model-paths")
    {
        Description = "More extra_model_paths.yaml files (after <comfyui>/extra_model_paths.yaml)",
        AllowMultipleArgumentsPerToken = true,
    };
    internal static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object instead of the table" };
    internal static readonly Option<bool> Deep = new("--deep") { Description = "Ignore the hash cache and re-read every byte" };
    internal static readonly Option<int> Parallelism = new("--parallel")
    {
        Description = "Files hashed at once",
        DefaultValueFactory = _ => ScanOptions.DefaultParallelism,
    };
    internal static readonly Option<string?> Python = new("--python")
    {
        Description = "ComfyUI's Python interpreter, when not in venv/.venv/python_embeded",
    };
    internal static readonly Option<Uri?> ComfyUrl = UriOptions.Http(
        "--comfy-url",
        "A running ComfyUI (e.g. http://127.0.0.1:8188): its /object_info is the truth about loaded node types"
    );
    internal static readonly Option<FileInfo?> Cache = new("--cache")
    {
        Description = "Hash cache file (default: ~/.cache/comfydoctor/hashes-<install>.json)",
    };
    internal static readonly Option<string?> Name = new("--name")
    {
        Description = "Worker name in the report (default: this machine's name)",
    };
    internal static readonly Option<double> DiskYellow = new("--disk-yellow-gib")
    {
        Description = Invariant(
            $"A model volume with less free space is yellow (also below {HealthPolicy.Default.DiskYellowFreeFraction:P0} free)"
        ),
        DefaultValueFactory = _ => HealthPolicy.Default.DiskYellowFreeGiB,
    };

    internal static readonly Option<double> DiskRed = new("--disk-red-gib")
    {
        Description = Invariant(
            $"A model volume with less free space is red (also below {HealthPolicy.Default.DiskYellowFreeFraction / 2:P0} free)"
        ),
        DefaultValueFactory = _ => HealthPolicy.Default.DiskRedFreeGiB,
    };

    internal static readonly Option<DirectoryInfo?> Demo = new("--demo")
    {
        Description = "Generate a demo ComfyUI installation with known defects in DIR and check it",
        Arity = ArgumentArity.ZeroOrOne,
    };
    internal static readonly WorkflowInputs Workflows = new();
    internal static readonly FixOptions Fixes = new();

    public static Command Create()
    {
        var command = new Command("check", "Diagnose one ComfyUI installation: models, node packs, disk, runtime")
        {
            ComfyUi,
            Registry,
            ExtraModelPaths,
            Json,
            Deep,
            Parallelism,
            Python,
            ComfyUrl,
            Cache,
            Name,
            DiskYellow,
            DiskRed,
            Demo,
        };
        foreach (var option in Workflows.All.Concat(Fixes.All))
        {
            command.Options.Add(option);
        }

        Parallelism.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 256)
            {
                result.AddError("--parallel must be between 1 and 256");
            }
        });
        DiskRed.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() < 0)
            {
                result.AddError("--disk-red-gib must be at least 0");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(ComfyUi) is null && result.GetResult(Demo) is not { Implicit: false })
            {
                result.AddError("--comfyui PATH is required (or --demo to check a generated demo installation)");
            }

            Fixes.Validate(result);
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, () => CheckRun.RunAsync(parse, ct)));
        return command;
    }
}
