using System.CommandLine;
using System.Security.Cryptography;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Server;
using ComfyDoctor.Server.Security;
using ComfyDoctor.Server.Transport;
using Microsoft.AspNetCore.Builder;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor server</c>: the control plane (SQLite under --data by default, PostgreSQL with --database).</summary>
public static class ServerCommand
{
    private static readonly Option<string> Urls = new("--urls")
    {
        Description = "Where to listen",
        DefaultValueFactory = _ => "http://127.0.0.1:8470",
    };
    private static readonly Option<string?> Database = new("--database")
    {
        Description = "A PostgreSQL connection string (Host=…;Database=…) or a SQLite file; default: SQLite under --data",
    };
    private static readonly Option<string> Data = new("--data")
    {
        Description = "Data folder (SQLite file, generated tokens)",
        DefaultValueFactory = _ => DefaultDataDir("server"),
    };
    private static readonly Option<string[]> Mirrors = new("--model-mirror")
    {
        Description =
            "A model mirror repairs may fetch from after the registry's URLs: NAME=URL or NAME=/folder (as the agents see it); repeatable",
    };
    private static readonly Option<int> MaxResultMiB = new("--max-result-mb")
    {
        Description =
            "The largest scan result an agent may post, in MiB (default 256: about 800,000 model files); larger ones are refused with 413",
        DefaultValueFactory = _ => (int)(new ServerOptions("", null, "").MaxResultBytes >> 20),
    };

    private static readonly Option<string[]> AutoRepairTags = new("--auto-repair-tag")
    {
        Description = "Workers with this tag get Verify & Repair right after their first scan; repeatable",
    };

    private static readonly Option<FileInfo?> TlsCert = new("--tls-cert")
    {
        Description = "Serve https:// with this certificate (PEM, the chain after the leaf); reloaded when the file changes",
    };
    private static readonly Option<FileInfo?> TlsKey = new("--tls-key") { Description = "The private key of --tls-cert (PEM)" };
    private static readonly Option<FileInfo?> TlsPfx = new("--tls-pfx")
    {
        Description = "Serve https:// with this PKCS#12 file; its password from --tls-pfx-password-file or COMFYDOCTOR_TLS_PFX_PASSWORD",
    };
    private static readonly Option<FileInfo?> TlsPfxPasswordFile = new("--tls-pfx-password-file")
    {
        Description = "A file holding the password of --tls-pfx (never on the command line)",
    };
    private static readonly Option<string[]> TrustedProxy = new("--trusted-proxy")
    {
        Description = "A reverse proxy (IP or CIDR) whose X-Forwarded-For/-Proto headers are believed; repeatable",
    };

    public static Command Create()
    {
        var command = new Command("server", "Run the control plane: API for admins and agents")
        {
            Urls,
            Database,
            Data,
            Mirrors,
            AutoRepairTags,
            MaxResultMiB,
            CheckCommand.DiskYellow,
            CheckCommand.DiskRed,
            TlsCert,
            TlsKey,
            TlsPfx,
            TlsPfxPasswordFile,
            TrustedProxy,
            LogOptions.Format,
            LogOptions.Level,
            Configuration.OptionSources.ConfigOption(),
        };
        foreach (var option in CatalogServerOptions.All.Concat(ServerSecrets.Options))
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            foreach (var mirror in r.GetValue(Mirrors) ?? [])
            {
                try
                {
                    ModelMirror.Parse(mirror);
                }
                catch (FormatException e)
                {
                    r.AddError(e.Message);
                }
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
                {
                    if (parse.GetValue(MaxResultMiB) is < 1 or > 4096)
                    {
                        throw new UsageException("--max-result-mb must be between 1 and 4096");
                    }

                    var options = new ServerOptions(parse.GetValue(Urls)!, parse.GetValue(Database), parse.GetValue(Data)!)
                    {
                        ModelMirrors = [.. (parse.GetValue(Mirrors) ?? []).Select(ModelMirror.Parse)],
                        AutoRepairTags = parse.GetValue(AutoRepairTags) ?? [],
                        MaxResultBytes = (long)parse.GetValue(MaxResultMiB) << 20,
                        Tls = TlsOf(parse),
                        TrustedProxies = parse.GetValue(TrustedProxy) ?? [],
                        LogFormat = LogOptions.FormatOf(parse),
                        LogLevel = LogOptions.LevelOf(parse, Microsoft.Extensions.Logging.LogLevel.Warning),
                        Health = HealthPolicy.Default.WithDiskGiB(
                            parse.GetValue(CheckCommand.DiskYellow),
                            parse.GetValue(CheckCommand.DiskRed)
                        ),
                    };
                    await using var app = Build(ServerSecrets.Apply(parse, CatalogServerOptions.Apply(parse, options), Database));
                    var url = await ServerHost.StartAsync(app, ct);
                    Announce(parse.InvocationConfiguration.Output, url, ServerHost.SecretsOf(app));
                    await ServerHost.WaitForShutdownAsync(app, ct);
                    return CommandLine.ExitOk;
                }));
        return command;
    }

    private static WebApplication Build(ServerOptions options)
    {
        try
        {
            return ServerHost.Build(options);
        }
        catch (Exception e) when (e is ServerConfigurationException or CryptographicException)
        {
            throw new UsageException(e.Message, e);
        }
    }

    private static ServerTls? TlsOf(ParseResult parse)
    {
        var (cert, key, pfx) = (parse.GetValue(TlsCert)?.FullName, parse.GetValue(TlsKey)?.FullName, parse.GetValue(TlsPfx)?.FullName);
        if (cert is null && key is null && pfx is null)
        {
            return null;
        }

        var password = parse.GetValue(TlsPfxPasswordFile) is { } file
            ? File.ReadAllText(file.FullName).TrimEnd('\r', '\n')
            : Environment.GetEnvironmentVariable("COMFYDOCTOR_TLS_PFX_PASSWORD");
        return new ServerTls(cert, key, pfx, password);
    }

    internal static string DefaultDataDir(string role) =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
            "comfydoctor",
            role
        );

    /// <summary>Says where the server listens and where its generated tokens are — never the tokens themselves.</summary>
    internal static void Announce(TextWriter output, Uri url, Secrets secrets)
    {
        output.WriteLine($"ComfyDoctor server listening on {url}");
        foreach (var file in secrets.Files)
        {
            output.WriteLine(
                secrets.GeneratedFiles.Contains(file)
                    ? $"generated {Path.GetFileName(file)}: {file} (readable by this user only)"
                    : $"{Path.GetFileName(file)}: {file}"
            );
        }
    }
}
