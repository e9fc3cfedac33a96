using System.Diagnostics;

namespace ComfyDoctor.Cli.Tests;

/// <summary>Runs the real <c>comfydoctor</c> program as a child process, output redirected (as in a script or CI).</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(params string[] args) => await RunAsync(null, args);

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        RunWithAsync("dotnet", env, [Path.Combine(AppContext.BaseDirectory, "comfydoctor.dll"), .. args]);

    /// <summary>Runs any program (e.g. <c>script</c> to give comfydoctor a terminal).</summary>
    public static Task<Result> RunWithAsync(string program, IReadOnlyDictionary<string, string>? env, params string[] args) =>
        RunWithAsync(TimeSpan.FromMinutes(3), program, env, args);

    /// <summary>Runs any program, killed (and the test failed) after <paramref name="limit"/>.</summary>
    public static async Task<Result> RunWithAsync(
        TimeSpan limit,
        string program,
        IReadOnlyDictionary<string, string>? env,
        params string[] args
    )
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // a hung run fails its test and is not left behind
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {limit.TotalMinutes:0} minutes");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
