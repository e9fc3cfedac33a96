using System.CommandLine;
using ComfyDoctor.Cli.Commands;

namespace ComfyDoctor.Cli;

/// <summary>The <c>comfydoctor</c> command tree. Exit codes: 0 nothing red, 1 something red, 2 bad usage or input, 3 a bug.</summary>
public static class CommandLine
{
    public const int ExitOk = 0;
    public const int ExitRed = 1;
    public const int ExitUsage = 2;
    public const int ExitInternalError = 3;

    /// <summary>How long a command has to stop cleanly after SIGTERM or SIGINT (systemd waits 90 s before SIGKILL).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs a command with its output and errors going to the writers given (a test's, in process): commands take their
    /// console from the invocation (<see cref="Output.Terminal.For"/>). Signals are handled only for the process's own console.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ComfyDoctor keeps ComfyUI workers healthy and alike: models, node packs, runtime.")
        {
            CheckCommand.Create(),
            ResolveCommand.Create(),
            ServerCommand.Create(),
            AgentCommand.Create(),
            UpCommand.Create(),
            Commands.Deploy.DeployCommand.Create(),
        };

        foreach (var admin in AdminCommands.Create())
        {
            root.Subcommands.Add(admin);
        }

        if (args is ["--version"])
        {
            // the version and the commit it was built from
            await output.WriteLineAsync(Core.Protocol.BuildInfo.Current.Describe("comfydoctor"));
            return ExitOk;
        }

        ParseResult parsed;
        try
        {
            parsed = root.Parse(Configuration.OptionSources.Apply(root.Parse(args), args)); // + COMFYDOCTOR_* and --config
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"comfydoctor: {Core.Text.Printable.Escape(e.Message)}");
            return ExitUsage;
        }

        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                var option = (problem.SymbolResult as System.CommandLine.Parsing.OptionResult)?.Option;
                await error.WriteLineAsync($"comfydoctor: {Configuration.OptionSources.Explain(problem.Message, option)}");
            }

            await error.WriteLineAsync("Run 'comfydoctor --help' for usage.");
            return ExitUsage;
        }

        // SIGTERM / SIGINT cancel the command's token; a command that has not finished StopGrace later is ended with
        // exit code 143 / 130. Commands that stop in time exit as they say (the agent and the server: 0).
        var own = ReferenceEquals(output, Console.Out);
        return await parsed.InvokeAsync(
            new InvocationConfiguration
            {
                Output = output,
                Error = error,
                ProcessTerminationTimeout = own ? StopGrace : null,
            }
        );
    }
}
