using System.CommandLine;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Server;
using ComfyDoctor.Server.Security;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor server</c>: the control plane (SQLite under --data by default, PostgreSQL with --database).</summary>
public static class ServerCommand
{
    private static readonly Option<string> Urls = new("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:8470" };
    private static readonly Option<string?> Database = new("--database") { Description = "A PostgreSQL connection string (Host=…;Database=…) or a SQLite file; default: SQLite under --data" };
    private static readonly Option<string> Data = new("--data") { Description = "Data folder (SQLite file, generated tokens)", DefaultValueFactory = _ => DefaultDataDir("server") };
    private static readonly Option<string[]> Mirrors = new("--model-mirror") { Description = "A model mirror repairs may fetch from after the registry's URLs: NAME=URL or NAME=/folder (as the agents see it); repeatable" };
    private static readonly Option<int> MaxResultMiB = new("--max-result-mb")
    {
        Description = "The largest scan result an agent may post, in MiB (default 256: about 800,000 model files); larger ones are refused with 413",
        DefaultValueFactory = _ => (int)(new ServerOptions("", null, "").MaxResultBytes >> 20),
    };

    private static readonly Option<string[]> AutoRepairTags = new("--auto-repair-tag") { Description = "Workers with this tag get Verify & Repair right after their first scan; repeatable" };

    public static Command Create()
    {
        var command = new Command("server", "Run the control plane: API for admins and agents")
        {
            Urls, Database, Data, Mirrors, AutoRepairTags, MaxResultMiB, CheckCommand.DiskYellow, CheckCommand.DiskRed,
        };
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
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
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
                Health = HealthPolicy.Default with
                {
                    DiskYellowFreeBytes = (long)(parse.GetValue(CheckCommand.DiskYellow) * (1L << 30)),
                    DiskRedFreeBytes = (long)(parse.GetValue(CheckCommand.DiskRed) * (1L << 30)),
                },
            };
            await using var app = ServerHost.Build(options);
            var url = await ServerHost.StartAsync(app, ct);
            Announce(url, ServerHost.SecretsOf(app));
            await ServerHost.WaitForShutdownAsync(app, ct);
            return CommandLine.ExitOk;
        }));
        return command;
    }

    internal static string DefaultDataDir(string role) =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "comfydoctor", role);

    /// <summary>Says where the server listens and where its generated tokens are — never the tokens themselves.</summary>
    internal static void Announce(Uri url, Secrets secrets)
    {
        Console.WriteLine($"ComfyDoctor server listening on {url}");
        foreach (var file in secrets.Files)
        {
            Console.WriteLine(secrets.GeneratedFiles.Contains(file)
                ? $"generated {Path.GetFileName(file)}: {file} (readable by this user only)"
                : $"{Path.GetFileName(file)}: {file}");
        }
    }
}
