using System.CommandLine;
using ComfyDoctor.Agent.Blobs;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Server.Operations;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor agent</c>: runs beside ComfyUI, connects out to the server, runs the jobs it is given.</summary>
public static class AgentCommand
{
    private static readonly Option<Uri?> Server = UriOptions.Http("--server", "The control plane's URL");
    private static readonly Option<string?> EnrollToken = new("--enroll-token")
    {
        Description = "Used once to enroll (or COMFYDOCTOR_ENROLL_TOKEN); the credential is stored in --data",
    };
    private static readonly Option<string> Name = new("--name")
    {
        Description = "This worker's name",
        DefaultValueFactory = _ => Environment.MachineName,
    };
    private static readonly Option<DirectoryInfo> ComfyUi = new("--comfyui") { Description = "The ComfyUI folder", Required = true };
    private static readonly Option<string?> Python = new("--python") { Description = "ComfyUI's Python interpreter" };
    private static readonly Option<Uri?> ComfyUrl = UriOptions.Http("--comfy-url", "A running ComfyUI to ask for /object_info");
    private static readonly Option<string[]> Tags = new("--tags")
    {
        Description = "Comma-separated tags",
        CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
    };
    private static readonly Option<string> Data = new("--data")
    {
        Description = "Agent data folder (credential, hash cache)",
        DefaultValueFactory = _ => ServerCommand.DefaultDataDir("agent"),
    };
    private static readonly Option<string?> Listen = new("--listen")
    {
        Description = "Serve verified model blobs to peer workers directly at ADDR:PORT (else peers go through the server's relay)",
    };
    private static readonly Option<Uri?> Advertise = UriOptions.Http(
        "--advertise",
        "The URL peers reach --listen at, when it is not http://ADDR:PORT (NAT, a proxy)"
    );
    private static readonly Option<FileInfo?> SourceHeadersFile = new("--source-headers")
    {
        Description = "JSON {\"host\": {\"Header\": \"value\"}}: headers for gated model hosts (https only)",
    };
    private static readonly Option<int> MaxTransfers = new("--max-transfers")
    {
        Description = "Model transfers at once on this worker",
        DefaultValueFactory = _ => 2,
    };
    private static readonly Option<int> MaxPerSource = new("--max-transfers-per-source")
    {
        Description = "Model transfers at once from one source",
        DefaultValueFactory = _ => 2,
    };
    private static readonly Option<double?> BandwidthMiB = new("--bandwidth")
    {
        Description = "Limit each model transfer to this many MiB/s",
    };
    private static readonly Option<bool> AutoRepair = new("--auto-repair")
    {
        Description = "At enrollment: ask for Verify & Repair right after the first scan",
    };
    private static readonly Option<FileInfo?> EnrollTokenFile = Configuration.SecretFile.Option("--enroll-token-file", "the enroll token");
    private static readonly FixOptions Fixes = new();

    public static Command Create()
    {
        var command = new Command("agent", "Run the worker agent: enroll once, then scan and repair on the server's request")
        {
            Server,
            EnrollToken,
            Name,
            ComfyUi,
            Python,
            ComfyUrl,
            CheckCommand.ExtraModelPaths,
            Tags,
            Data,
            Listen,
            Advertise,
            SourceHeadersFile,
            MaxTransfers,
            MaxPerSource,
            BandwidthMiB,
            AutoRepair,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
            LogOptions.Format,
            LogOptions.Level,
            EnrollTokenFile,
            Configuration.OptionSources.ConfigOption(),
            Deploy.AgentInstallCommand.Create(),
        };
        foreach (var option in Fixes.RepairPolicyOptions)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.GetResult(Server) is null)
            {
                r.AddError("--server URL is required");
            }

            if (r.GetValue(Listen) is { } listen && !Uri.TryCreate("http://" + listen, UriKind.Absolute, out _))
            {
                r.AddError($"--listen {listen}: expected ADDR:PORT");
            }

            Fixes.Validate(r);
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
                {
                    var data = parse.GetValue(Data)!;
                    var comfy = parse.GetValue(ComfyUi)!.FullName;
                    if (!Directory.Exists(comfy))
                    {
                        throw new UsageException($"ComfyUI folder not found: {comfy}");
                    }

                    var name = parse.GetValue(Name)!;
                    var extraModelPaths = ExtraModelPathsOf(parse);
                    var scan = new ScanOptions(
                        comfy,
                        extraModelPaths,
                        false,
                        ScanOptions.DefaultParallelism,
                        Path.Combine(data, "hashes.json"),
                        parse.GetValue(Python),
                        name
                    )
                    {
                        ComfyUrl = parse.GetValue(ComfyUrl),
                    };
                    var listen = parse.GetValue(Listen) is { } address ? "http://" + address : null;
                    using var logging = LoggerFactory.Create(b =>
                        b.AddConsoleLog(LogOptions.FormatOf(parse), "HH:mm:ss ")
                            .SetMinimumLevel(LogOptions.LevelOf(parse, LogLevel.Information))
                    );
                    var log = logging.CreateLogger("ComfyDoctor.Agent");
                    var enrollToken = parse.GetValue(EnrollToken)
                        ?? Configuration.SecretFile.Read(parse, EnrollTokenFile)
                        ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ENROLL_TOKEN");
                    var options = new AgentOptions(parse.GetValue(Server)!, enrollToken, name, parse.GetValue(Tags) ?? [], data, scan)
                    {
                        Logger = log,
                        Repair = RepairOptionsOf(parse),
                        AutoRepair = parse.GetValue(AutoRepair),
                        ListenUrl = parse.GetValue(Advertise) ?? (listen is null ? null : new Uri(listen + "/")),
                    };
                    using var http = new HttpClient(ConnectionOptions.Handler(parse, options.Server))
                    {
                        Timeout = Timeout.InfiniteTimeSpan,
                    };
                    CliLog.AgentStarting(log, name, comfy, options.Server);
                    var agent = new AgentClient(http, options);
                    await using var blobs = listen is null
                        ? null
                        : await BlobServer.StartAsync(listen, agent.Blobs, () => agent.BlobKey, ct);
                    if (listen is not null)
                    {
                        CliLog.ServingBlobs(log, listen);
                    }

                    try
                    {
                        await agent.RunAsync(ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        // Ctrl+C
                    }
                    catch (AgentRefusedException e)
                    {
                        throw new UsageException(e.Message, e);
                    }

                    CliLog.AgentStopped(log, name);
                    return CommandLine.ExitOk;
                }));
        return command;
    }

    /// <summary>The <c>--extra-model-paths</c> files, each read once now: a missing or broken one stops the agent with its line.</summary>
    private static List<string> ExtraModelPathsOf(ParseResult parse)
    {
        var files = parse.GetValue(CheckCommand.ExtraModelPaths)?.Select(f => f.FullName).ToList() ?? [];
        foreach (var file in files)
        {
            try
            {
                Agent.Models.ExtraModelPathsReader.Read(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new UsageException($"--extra-model-paths {file}: {e.Message}", e);
            }
        }

        return files;
    }

    private static RepairOptions RepairOptionsOf(ParseResult parse) =>
        new(
            Fixes.Policy(parse, null, Core.NodeResolution.AdminPins.Empty),
            parse.GetValue(Fixes.RegistryApi) is { } api ? new RegistrySource("registry", api) : null,
            parse.GetValue(SourceHeadersFile) is { } file ? SourceHeaders.Load(file.FullName) : SourceHeaders.None,
            parse.GetValue(MaxTransfers),
            parse.GetValue(MaxPerSource),
            parse.GetValue(BandwidthMiB) is { } mib ? (long)(mib * (1 << 20)) : null,
            parse.GetValue(Fixes.QuarantineDays)
        )
        {
            LockWait = TimeSpan.FromSeconds(parse.GetValue(Fixes.LockWait)),
        };
}
