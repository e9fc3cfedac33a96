using System.CommandLine;
using System.Runtime.Versioning;
using System.Text.Json;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Cli.Configuration;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// <c>comfydoctor agent install</c>: installs this executable as the agent of this machine (what <c>deploy</c> runs on each
/// host over SSH). See <see cref="LocalInstall"/> for what it does and <see cref="InstallLayout"/> for where.
/// </summary>
public static class AgentInstallCommand
{
    private static readonly Option<Uri?> Server = UriOptions.Http("--server", "The control plane's URL, as this worker reaches it");
    private static readonly Option<DirectoryInfo?> ComfyUi = new("--comfyui") { Description = "The ComfyUI folder" };
    private static readonly Option<string> Name = new("--name")
    {
        Description = "This worker's name",
        DefaultValueFactory = _ => Environment.MachineName,
    };

    private static readonly Option<string[]> Tags = new("--tags")
    {
        Description = "Comma-separated tags",
        CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
    };

    private static readonly Option<string?> Python = new("--python") { Description = "ComfyUI's Python interpreter" };
    private static readonly Option<FileInfo?> EnrollTokenFile = SecretFile.Option(
        "--enroll-token-file",
        "the enroll token ('-': standard input)"
    );
    private static readonly Option<string?> User = new("--user")
    {
        Description = "Run the agent as this user (default: the owner of the ComfyUI folder)",
    };

    private static readonly Option<string> Prefix = new("--prefix")
    {
        Description = "Where the executable goes",
        DefaultValueFactory = _ => InstallLayout.DefaultPrefix,
    };

    private static readonly Option<string> ConfigDir = new("--config-dir")
    {
        Description = "Where agent.env and the CA go",
        DefaultValueFactory = _ => InstallLayout.DefaultConfigDir,
    };

    private static readonly Option<string> StateDir = new("--state")
    {
        Description = "The agent's data: credential, hash cache",
        DefaultValueFactory = _ => InstallLayout.DefaultStateDir,
    };

    private static readonly Option<string> CacheDir = new("--cache")
    {
        Description = "Where the executable unpacks its native libraries",
        DefaultValueFactory = _ => InstallLayout.DefaultCacheDir,
    };

    private static readonly Option<string> UnitDir = new("--unit-dir")
    {
        Description = "Where the systemd unit goes",
        DefaultValueFactory = _ => InstallLayout.DefaultUnitDir,
    };

    private static readonly Option<string[]> Writable = new("--writable")
    {
        Description = "Another folder the service may write (a venv or model store outside ComfyUI); repeatable",
    };

    private static readonly Option<string[]> Set = new("--set")
    {
        Description = "Another agent option for the service, OPTION=VALUE (e.g. listen=0.0.0.0:8471); repeatable",
    };

    private static readonly Option<bool> NoSystemd = new("--no-systemd")
    {
        Description = "No systemd here (a container): start the agent under a wrapper with a pid file; nothing restarts it",
    };

    private static readonly Option<string?> Sha256 = new("--sha256")
    {
        Description = "Refuse to install unless this executable has this SHA-256",
    };

    private static readonly Option<int> Wait = new("--wait")
    {
        Description = "Seconds to wait for the agent to enroll",
        DefaultValueFactory = _ => 120,
    };

    private static readonly Option<bool> DryRun = new("--dry-run")
    {
        Description = "Print the files it would write (the enroll token masked); change nothing",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the result as one JSON object" };

    public static Command Create()
    {
        var command = new Command(
            "install",
            "Install this executable as the agent of this machine: systemd service (or --no-systemd), enrolled and running"
        )
        {
            Server,
            ComfyUi,
            Name,
            Tags,
            Python,
            EnrollTokenFile,
            User,
            Prefix,
            ConfigDir,
            StateDir,
            CacheDir,
            UnitDir,
            Writable,
            Set,
            NoSystemd,
            Sha256,
            Wait,
            DryRun,
            Json,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
            OptionSources.ConfigOption(),
        };
        command.SetAction(
            (parse, ct) =>
                CommandRunner.RunAsync(parse, () =>
                    OperatingSystem.IsWindows() ? throw new UsageException("agent install sets up a Linux worker") : RunAsync(parse, ct)
                )
        );
        return command;
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var plan = await PlanAsync(parse, ct);
        var install = new LocalInstall(plan, line => parse.InvocationConfiguration.Error.WriteLine(line));
        var source = Environment.ProcessPath ?? throw new UsageException("cannot tell which file this executable is");
        var ca = parse.GetValue(ConnectionOptions.CaCert);
        if (ca is not null && !ca.Exists)
        {
            throw new UsageException($"--ca-cert {ca.FullName}: file not found");
        }

        if (parse.GetValue(DryRun))
        {
            var files = new
            {
                executable = plan.Layout.Executable,
                sha256 = InstalledFile.Sha256Of(source),
                envFile = install.EnvText(File.Exists(plan.Layout.Credential) ? null : "********"),
                unit = plan.Systemd ? AgentFiles.Unit(plan) : null,
                wrapper = plan.Systemd ? null : AgentFiles.Wrapper(plan.Layout),
            };
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                parse.GetValue(Json)
                    ? JsonSerializer.Serialize(files, DeployJson.Options)
                    : $"would install {files.executable} ({files.sha256})\n--- {plan.Layout.EnvFile}\n{files.envFile}--- "
                        + $"{(plan.Systemd ? plan.Layout.Unit + "\n" + files.unit : plan.Layout.Wrapper + "\n" + files.wrapper)}"
            );
            return CommandLine.ExitOk;
        }

        if (Path.GetFileNameWithoutExtension(source) == "dotnet")
        {
            throw new UsageException(
                "agent install copies the self-contained executable it runs as: run the published comfydoctor "
                    + "(scripts/publish.sh), not dotnet comfydoctor.dll"
            );
        }

        if (plan.Systemd && !InstallLayout.IsRoot)
        {
            throw new UsageException(
                "a systemd service is installed by root (deploy --sudo, or sudo here); --no-systemd runs the agent "
                    + "as this user without one"
            );
        }

        var result = await install.RunAsync(
            source,
            parse.GetValue(Sha256),
            ca?.FullName,
            SecretFile.Read(parse, EnrollTokenFile),
            TimeSpan.FromSeconds(parse.GetValue(Wait)),
            ct
        );
        await parse.InvocationConfiguration.Output.WriteLineAsync(
            parse.GetValue(Json)
                ? JsonSerializer.Serialize(result, DeployJson.Options)
                : $"{result.Worker}: {(result.Changes.Count == 0 ? "nothing to change" : string.Join("; ", result.Changes))}\n"
                    + result.Service
        );
        return CommandLine.ExitOk;
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task<AgentInstallPlan> PlanAsync(ParseResult parse, CancellationToken ct)
    {
        var server = parse.GetValue(Server) ?? throw new UsageException("--server URL is required");
        if (Agent.Remote.ServerConnection.InsecureProblem(server, parse.GetValue(ConnectionOptions.AllowInsecureHttp)) is { } problem)
        {
            throw new UsageException(problem);
        }

        var comfy = parse.GetValue(ComfyUi)?.FullName ?? throw new UsageException("--comfyui PATH is required");
        if (!Directory.Exists(comfy))
        {
            throw new UsageException($"ComfyUI folder not found: {comfy}");
        }

        var layout = new InstallLayout(
            Full(parse, Prefix),
            Full(parse, ConfigDir),
            Full(parse, StateDir),
            Full(parse, CacheDir),
            Full(parse, UnitDir)
        );
        var systemd = !parse.GetValue(NoSystemd);
        var user = parse.GetValue(User) ?? await OwnerAsync(comfy, ct);
        if (!systemd && user != Environment.UserName)
        {
            throw new UsageException(
                $"--no-systemd runs the agent as this user ({Environment.UserName}), not {user}: install as {user}, "
                    + $"or give --user {Environment.UserName}"
            );
        }

        var settings = new List<KeyValuePair<string, string>>
        {
            new("COMFYDOCTOR_SERVER", server.ToString()),
            new("COMFYDOCTOR_COMFYUI", comfy),
            new("COMFYDOCTOR_NAME", parse.GetValue(Name)!),
            new("COMFYDOCTOR_DATA", layout.StateDir),
        };
        Add("COMFYDOCTOR_TAGS", parse.GetValue(Tags) is { Length: > 0 } tags ? string.Join(',', tags) : null);
        Add("COMFYDOCTOR_PYTHON", parse.GetValue(Python));
        Add("COMFYDOCTOR_CA_CERT", parse.GetValue(ConnectionOptions.CaCert) is null ? null : layout.CaCert);
        Add("COMFYDOCTOR_ALLOW_INSECURE_HTTP", parse.GetValue(ConnectionOptions.AllowInsecureHttp) ? "true" : null);
        foreach (var pair in parse.GetValue(Set) ?? [])
        {
            var (key, value) =
                pair.Split('=', 2) is [var k, var v] && k.Length > 0
                    ? (k, v)
                    : throw new UsageException($"--set {pair}: expected OPTION=VALUE");
            Add(Configuration.OptionSources.EnvironmentPrefix + key.TrimStart('-').Replace('-', '_').ToUpperInvariant(), value);
        }

        foreach (var path in new[] { comfy, layout.Prefix, layout.ConfigDir, layout.StateDir, layout.CacheDir, layout.UnitDir })
        {
            if (path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '\'' or '"' or '\\' or '$' or '`' or '%'))
            {
                throw new UsageException(
                    $"{path}: a path with white space, quotes, $, %, ` or a backslash cannot go into a unit file "
                        + $"safely; choose another"
                );
            }
        }

        return new AgentInstallPlan(layout, comfy, user, [.. (parse.GetValue(Writable) ?? []).Select(Path.GetFullPath)], settings, systemd);

        void Add(string key, string? value)
        {
            if (value is not null)
            {
                settings.Add(new(key, value));
            }
        }
    }

    private static string Full(ParseResult parse, Option<string> option) => Path.GetFullPath(parse.GetValue(option)!);

    private static async Task<string> OwnerAsync(string path, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec("stat", ["-c", "%U", path], Timeout: TimeSpan.FromSeconds(30)), ct);
        return result.Succeeded && result.StdOut.Trim() is { Length: > 0 } owner && owner != "UNKNOWN"
            ? owner
            : throw new UsageException($"cannot tell who owns {path}; give --user NAME");
    }
}
