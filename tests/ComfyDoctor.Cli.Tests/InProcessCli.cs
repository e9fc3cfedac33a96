using ComfyDoctor.Cli;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Runs a <c>comfydoctor</c> command in this process, its output and errors captured from the invocation's writers: the
/// same command tree, parsing, exit codes and rendering as the program, without starting a runtime per test.
/// <see cref="CliProcess"/> keeps the tests about the process itself: its exit code, a redirected or real terminal, signals.
/// </summary>
internal static class InProcessCli
{
    public static async Task<CliProcess.Result> RunAsync(params string[] args)
    {
        await using var output = new StringWriter();
        await using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return new CliProcess.Result(code, output.ToString(), error.ToString());
    }
}
