using ComfyDoctor.Core.Text;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Cli.Commands;

/// <summary>Turns the errors users cause (bad input, missing files) into one clear line and exit code 2; a bug into exit code 3.</summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is UsageException or RegistryFormatException or InvalidDataException
                                      or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"comfydoctor: {Printable.Escape(Configuration.OptionSources.Explain(e.Message))}");
            return CommandLine.ExitUsage;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"comfydoctor: {Printable.Escape(e.Message)}");
            return CommandLine.ExitUsage;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never let a crash read as "red" (1) to a script: it is a bug, reported as such.
            await Console.Error.WriteLineAsync($"comfydoctor: unexpected error (a bug, please report it): {Printable.Escape(e.ToString()).Replace("\\x0a", "\n", StringComparison.Ordinal)}");
            return CommandLine.ExitInternalError;
        }
    }
}
