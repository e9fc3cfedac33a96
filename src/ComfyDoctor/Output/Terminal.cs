using System.CommandLine;
using Spectre.Console;

namespace ComfyDoctor.Cli.Output;

/// <summary>
/// The console commands write to: colours and live progress on a terminal; plain, wide text when the output is
/// redirected to a file or a pipe (or <c>NO_COLOR</c> is set), so logs hold no escape codes and no wrapped tables. No
/// control character of the data it shows reaches the terminal (<see cref="ControlCharacterHook"/>).
/// </summary>
public static class Terminal
{
    public static bool IsRedirected => Console.IsOutputRedirected;

    /// <summary>
    /// The console of one invocation: the process's terminal when its output is the process's; else (a test running the
    /// command in process) plain, wide text into the invocation's writer, escaped the same way.
    /// </summary>
    public static IAnsiConsole For(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        if (ReferenceEquals(output, Console.Out))
        {
            return Create();
        }

        var console = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(output),
            }
        );
        console.Profile.Width = 200;
        console.Pipeline.Attach(new ControlCharacterHook());
        return console;
    }

    private static IAnsiConsole Create()
    {
        var plain = IsRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
        var console = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
                ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
                Interactive = IsRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            }
        );
        if (IsRedirected)
        {
            console.Profile.Width = 200;
        }

        console.Pipeline.Attach(new ControlCharacterHook());
        return console;
    }
}
