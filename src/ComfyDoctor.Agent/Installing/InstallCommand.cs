using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>The outcome of one command an install ran.</summary>
internal sealed record CommandResult(int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    /// <summary>The line that says what went wrong: the first <c>ERROR:</c>/<c>fatal:</c>/<c>error:</c> line, else the last line.</summary>
    public string LastLine
    {
        get
        {
            var lines = (StdErr + "\n" + StdOut).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return lines.FirstOrDefault(l =>
                l.StartsWith("ERROR:", StringComparison.Ordinal)
                || l.StartsWith("fatal:", StringComparison.Ordinal)
                || l.StartsWith("error:", StringComparison.Ordinal)
            )
                ?? StdErr.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
                ?? lines.LastOrDefault()
                ?? "(no output)";
        }
    }
}

/// <summary>Runs one command of an install through <see cref="ProcessRunner"/> and writes it and its output to the log.</summary>
internal static class InstallCommand
{
    public static async Task<CommandResult> RunAsync(
        InstallLog log,
        string executable,
        IReadOnlyList<string> args,
        string cwd,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout,
        CancellationToken ct,
        bool quiet = false
    )
    {
        log.Add($"$ {Path.GetFileName(executable)} {string.Join(' ', Shown(args))}");
        var result = await ProcessRunner.RunAsync(new ProcessSpec(executable, args, cwd, environment, timeout), ct);
        if (!quiet || !result.Succeeded)
        {
            log.Add(result.StdOut);
            log.Add(result.StdErr);
        }

        if (result.TimedOut)
        {
            log.Add($"(stopped after {timeout.TotalSeconds:0} s)");
        }

        return new CommandResult(result.ExitCode, result.StdOut, result.StdErr, result.TimedOut);
    }

    /// <summary>The arguments without git's own <c>-c name=value</c> settings, which are noise in a report.</summary>
    private static IEnumerable<string> Shown(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "-c" && i + 1 < args.Count && IsGitConfig(args[i + 1]))
            {
                i++;
                continue;
            }

            yield return args[i];
        }
    }

    private static bool IsGitConfig(string arg) =>
        arg.StartsWith("protocol.", StringComparison.Ordinal)
        || arg.StartsWith("core.hooksPath=", StringComparison.Ordinal)
        || arg.StartsWith("advice.", StringComparison.Ordinal)
        || arg.StartsWith("url.", StringComparison.Ordinal);
}
