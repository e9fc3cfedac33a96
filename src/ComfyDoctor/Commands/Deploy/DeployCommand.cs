using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using ComfyDoctor.Cli.Configuration;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// <c>comfydoctor deploy ssh://user@host[:port]...</c>: installs the agent on each host over SSH (<see cref="HostDeployment"/>),
/// <c>--parallel</c> hosts at a time, and prints one row (or JSON object) per host. Exit code 0 when every host is done, 1
/// when any failed (the others are done all the same), 2 for bad usage.
/// </summary>
public static class DeployCommand
{
    private static readonly Argument<string[]> Hosts = new("hosts")
    {
        Description = "ssh://[user@]host[:port] of each worker",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<Uri?> Server = UriOptions.Http(
        "--server",
        "The control plane's URL, as the workers (and this machine) reach it"
    );
    private static readonly Option<string?> ComfyUi = new("--comfyui") { Description = "The ComfyUI folder on the workers" };
    private static readonly Option<string[]> Tags = new("--tags")
    {
        Description = "Comma-separated tags for these workers",
        CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
    };

    private static readonly Option<string?> Python = new("--python") { Description = "ComfyUI's Python interpreter on the workers" };
    private static readonly Option<FileInfo?> Identity = new("--identity") { Description = "The SSH private key (ssh -i)" };
    private static readonly Option<FileInfo?> KnownHosts = new("--known-hosts")
    {
        Description = "The known_hosts file that vouches for the hosts' keys (default: ssh's own)",
    };

    private static readonly Option<FileInfo?> SshConfig = new("--ssh-config") { Description = "An ssh_config file (ssh -F)" };
    private static readonly Option<bool> AcceptNew = new("--accept-new-host-keys")
    {
        Description = "Trust a host's key on first contact (StrictHostKeyChecking=accept-new); a changed key is still refused",
    };

    private static readonly Option<int> Parallel = new("--parallel") { Description = "Hosts at a time", DefaultValueFactory = _ => 8 };
    private static readonly Option<bool> DryRun = new("--dry-run")
    {
        Description = "Look at each host and say what would be done; change nothing",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "One JSON object per host" };
    private static readonly Option<bool> NoSystemd = new("--no-systemd")
    {
        Description = "The hosts have no systemd (containers): the agent runs under a wrapper with a pid file",
    };

    private static readonly Option<bool> Sudo = new("--sudo")
    {
        Description = "Run the install through sudo -n (an SSH user that is not root)",
    };

    private static readonly Option<string?> Prefix = new("--prefix")
    {
        Description = "Where the executable goes on the hosts (default /opt/comfydoctor as root)",
    };

    private static readonly Option<FileInfo[]> Executables = new("--executable")
    {
        Description =
            "The self-contained linux executable(s) to install, picked by each host's architecture (default: this one); " + "repeatable",
    };

    private static readonly Option<FileInfo?> EnrollTokenFile = SecretFile.Option(
        "--enroll-token-file",
        "the enroll token the agents enroll with"
    );
    private static readonly Option<FileInfo?> TokenFile = SecretFile.Option(
        "--token-file",
        "the admin token (or COMFYDOCTOR_ADMIN_TOKEN), to wait for each worker's first scan"
    );
    private static readonly Option<int> Wait = new("--wait")
    {
        Description = "Seconds to wait for each worker to enroll, and for its first scan",
        DefaultValueFactory = _ => 300,
    };

    private static readonly Option<string[]> Set = new("--set")
    {
        Description = "Another agent option for the workers, OPTION=VALUE; repeatable",
    };

    public static Command Create()
    {
        var command = new Command("deploy", "Install the agent on workers over SSH (systemd service), wait for enrollment and first scan")
        {
            Hosts,
            Server,
            ComfyUi,
            Tags,
            Python,
            Identity,
            KnownHosts,
            SshConfig,
            AcceptNew,
            Parallel,
            DryRun,
            Json,
            NoSystemd,
            Sudo,
            Prefix,
            Executables,
            EnrollTokenFile,
            TokenFile,
            Wait,
            Set,
            ConnectionOptions.CaCert,
            ConnectionOptions.AllowInsecureHttp,
            OptionSources.ConfigOption(),
        };
        command.SetAction(
            (parse, ct) =>
                CommandRunner.RunAsync(parse, () =>
                    OperatingSystem.IsWindows()
                        ? throw new UsageException("deploy runs from a Linux or macOS machine (it drives the system's OpenSSH client)")
                        : RunAsync(parse, ct)
                )
        );
        return command;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var targets = (parse.GetValue(Hosts) ?? []).Select(SshTarget.Parse).ToList();
        var server = parse.GetValue(Server) ?? throw new UsageException("--server URL is required");
        var comfy = parse.GetValue(ComfyUi) ?? throw new UsageException("--comfyui PATH is required");
        if (parse.GetValue(Parallel) is < 1 or > 256)
        {
            throw new UsageException("--parallel must be between 1 and 256");
        }

        var dryRun = parse.GetValue(DryRun);
        var enroll = SecretFile.Read(parse, EnrollTokenFile) ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ENROLL_TOKEN");
        var admin = SecretFile.Read(parse, TokenFile) ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ADMIN_TOKEN");
        if (!dryRun && (enroll is null || admin is null))
        {
            throw new UsageException(
                "deploy needs the enroll token (--enroll-token-file) for the agents and the admin token "
                    + "(--token-file) to wait for their first scans"
            );
        }

        var ca = parse.GetValue(ConnectionOptions.CaCert);
        using var http = new HttpClient(ConnectionOptions.Handler(parse, server))
        {
            BaseAddress = new Uri(server.ToString().TrimEnd('/') + "/"),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin ?? "");
        var wait = TimeSpan.FromSeconds(parse.GetValue(Wait));
        var settings = new DeploySettings(
            ExecutablesOf(parse),
            InstallArguments(parse, server, comfy, wait),
            parse.GetValue(Prefix),
            enroll ?? "",
            ca is null ? null : await File.ReadAllTextAsync(ca.FullName, ct),
            !parse.GetValue(NoSystemd),
            parse.GetValue(Sudo),
            dryRun,
            wait
        );
        var ssh = new SshOptions(
            parse.GetValue(Identity)?.FullName,
            parse.GetValue(KnownHosts)?.FullName,
            parse.GetValue(SshConfig)?.FullName,
            parse.GetValue(AcceptNew),
            TimeSpan.FromSeconds(10)
        );
        var firstScan = dryRun ? null : new FirstScan(http, wait);
        using var gate = new SemaphoreSlim(parse.GetValue(Parallel));
        var rows = await Task.WhenAll(
            targets.Select(async target =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    return await new HostDeployment(target, ssh, settings, firstScan).RunAsync(ct);
                }
                finally
                {
                    gate.Release();
                }
            })
        );
        if (parse.GetValue(Json))
        {
            foreach (var row in rows)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(row, DeployJson.Options));
            }
        }
        else
        {
            DeployTable.Write(Output.Terminal.For(parse), rows);
        }

        return rows.Any(r => r.Outcome == DeployRow.Failed) ? CommandLine.ExitRed : CommandLine.ExitOk;
    }

    private static List<string> InstallArguments(ParseResult parse, Uri server, string comfy, TimeSpan wait)
    {
        var args = new List<string>
        {
            "--server",
            server.ToString(),
            "--comfyui",
            comfy,
            "--wait",
            ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (parse.GetValue(Tags) is { Length: > 0 } tags)
        {
            args.AddRange(["--tags", string.Join(',', tags)]);
        }

        if (parse.GetValue(Python) is { } python)
        {
            args.AddRange(["--python", python]);
        }

        if (parse.GetValue(NoSystemd))
        {
            args.Add("--no-systemd");
        }

        if (parse.GetValue(ConnectionOptions.AllowInsecureHttp))
        {
            args.Add("--allow-insecure-http");
        }

        foreach (var set in parse.GetValue(Set) ?? [])
        {
            args.AddRange(["--set", set]);
        }

        return args;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static Dictionary<string, (string Path, string Sha256)> ExecutablesOf(ParseResult parse)
    {
        var files = parse.GetValue(Executables) is { Length: > 0 } given
            ? given.Select(f => f.FullName).ToList()
            : [Environment.ProcessPath ?? throw new UsageException("cannot tell which file this executable is; give --executable")];
        var byMachine = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new UsageException($"--executable {file}: file not found");
            }

            var machine = ElfMachine.Of(file)
                ?? throw new UsageException(
                    $"{file} is not a self-contained linux executable (scripts/publish.sh builds them); give it with --executable"
                );
            byMachine[machine] = (file, InstalledFile.Sha256Of(file));
        }

        return byMachine;
    }
}
