using System.CommandLine;
using ComfyDoctor.Agent.Remote;
using ComfyDoctor.Agent.Scanning;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>comfydoctor agent</c>: runs beside ComfyUI, connects out to the server, runs the jobs it is given.</summary>
public static class AgentCommand
{
    private static readonly Option<Uri?> Server = UriOptions.Http("--server", "The control plane's URL");
    private static readonly Option<string?> EnrollToken = new("--enroll-token") { Description = "Used once to enroll (or COMFYDOCTOR_ENROLL_TOKEN); the credential is stored in --data" };
    private static readonly Option<string> Name = new("--name") { Description = "This worker's name", DefaultValueFactory = _ => Environment.MachineName };
    private static readonly Option<DirectoryInfo> ComfyUi = new("--comfyui") { Description = "The ComfyUI folder", Required = true };
    private static readonly Option<string?> Python = new("--python") { Description = "ComfyUI's Python interpreter" };
    private static readonly Option<Uri?> ComfyUrl = UriOptions.Http("--comfy-url", "A running ComfyUI to ask for /object_info");
    private static readonly Option<string[]> Tags = new("--tags") { Description = "Comma-separated tags", CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray() };
    private static readonly Option<string> Data = new("--data") { Description = "Agent data folder (credential, hash cache)", DefaultValueFactory = _ => ServerCommand.DefaultDataDir("agent") };

    public static Command Create()
    {
        var command = new Command("agent", "Run the worker agent: enroll once, then scan on the server's request") { Server, EnrollToken, Name, ComfyUi, Python, ComfyUrl, Tags, Data };
        command.Validators.Add(r =>
        {
            if (r.GetResult(Server) is null)
            {
                r.AddError("--server URL is required");
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var data = parse.GetValue(Data)!;
            var comfy = parse.GetValue(ComfyUi)!.FullName;
            if (!Directory.Exists(comfy))
            {
                throw new UsageException($"ComfyUI folder not found: {comfy}");
            }

            var name = parse.GetValue(Name)!;
            var scan = new ScanOptions(comfy, [], false, ScanOptions.DefaultParallelism, Path.Combine(data, "hashes.json"), parse.GetValue(Python), name)
            {
                ComfyUrl = parse.GetValue(ComfyUrl),
            };
            var options = new AgentOptions(parse.GetValue(Server)!, parse.GetValue(EnrollToken) ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ENROLL_TOKEN"),
                name, parse.GetValue(Tags) ?? [], data, scan)
            {
                Log = line => Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} {line}"),
            };
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            Console.WriteLine($"agent '{name}' serving {comfy} for {options.Server}");
            try
            {
                await new AgentClient(http, options).RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C
            }
            catch (AgentRefusedException e)
            {
                throw new UsageException(e.Message, e);
            }

            return CommandLine.ExitOk;
        }));
        return command;
    }
}
