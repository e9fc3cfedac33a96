using System.CommandLine;
using ComfyDoctor.Core.Registry;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Cli.Commands;

/// <summary>Turns the errors users cause (bad input, missing files) into one clear line and exit code 2; a bug into exit code 3.</summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="action"/>; an error line goes to the invocation's error writer (the process's or a test's).</summary>
    public static Task<int> RunAsync(ParseResult parse, Func<Task<int>> action) => RunAsync(parse.InvocationConfiguration.Error, action);

    private static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e)
            when (e
                    is UsageException
                        or RegistryFormatException
                        or InvalidDataException
                        or FileNotFoundException
                        or DirectoryNotFoundException
                        or UnauthorizedAccessException
            )
        {
            await error.WriteLineAsync($"comfydoctor: {Printable.Escape(Configuration.OptionSources.Explain(e.Message))}");
            return CommandLine.ExitUsage;
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"comfydoctor: {Printable.Escape(e.Message)}");
            return CommandLine.ExitUsage;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never let a crash read as "red" (1) to a script: it is a bug, reported as such.
            var trace = Printable.Escape(e.ToString()).Replace("\\x0a", "\n", StringComparison.Ordinal);
            await error.WriteLineAsync($"comfydoctor: unexpected error (a bug, please report it): {trace}");
            return CommandLine.ExitInternalError;
        }
    }
}
