using System.Diagnostics;

namespace ComfyDoctor.Tests.Support;

/// <summary>Runs git/python for test set-up (arrange steps), failing the test loudly when a command fails.</summary>
public static class Cli
{
    public static string Run(string exe, string cwd, params string[] args) => Run(exe, cwd, null, args);

    public static string Run(string exe, string cwd, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var start = new ProcessStartInfo(exe)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{exe} {string.Join(' ', args)} (in {cwd}) exited {process.ExitCode}: {stderr.Result}{stdout}"
            );
        }

        return stdout.Trim();
    }

    public static string Git(string cwd, params string[] args) => Run("git", cwd, args);
}
