using System.Diagnostics;
using System.Text;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>One command on a host through <c>ssh</c>, its standard input fed from a stream (an executable, a token).</summary>
public sealed class SshSession(SshTarget target, SshOptions options, string ssh = "ssh")
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs <paramref name="script"/> with <c>sh -c</c> on the host (through <c>sudo -n</c> when asked).</summary>
    public async Task<Result> RunAsync(
        string script,
        Func<Stream, CancellationToken, Task>? input,
        bool sudo,
        TimeSpan timeout,
        CancellationToken ct
    )
    {
        var start = new ProcessStartInfo(ssh)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in options.Arguments(target))
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add((sudo ? "sudo -n " : "") + "sh -c " + ShellQuote.Quote(script)); // ssh hands one string to the far shell
        using var process = Process.Start(start) ?? throw new UsageException($"cannot start {ssh}");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            if (input is not null)
            {
                try
                {
                    await input(process.StandardInput.BaseStream, limit.Token);
                }
                catch (IOException)
                {
                    // ssh went away before it took all of it: its exit code and stderr say why
                }
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(limit.Token);
            return new Result(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new UsageException($"{target.Text}: no answer within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>What went wrong, in one line: ssh's own diagnosis (host key, refused, timed out) or the command's last words.</summary>
    public static string Problem(Result result)
    {
        var lines = result
            .StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l =>
                !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal) && !l.StartsWith("@@@", StringComparison.Ordinal)
            )
            .ToList();
        var text = new StringBuilder();
        if (result.ExitCode == 255 && result.StdErr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
        {
            text.Append("the host key has CHANGED since it was recorded in known_hosts (another machine, or an attack); refused: ");
        }
        else if (result.ExitCode == 255 && result.StdErr.Contains("Host key verification failed", StringComparison.Ordinal))
        {
            text.Append("host key not trusted (not in known_hosts, or different); refused — check its fingerprint and add it: ");
        }

        text.Append(lines.Count == 0 ? $"exit code {result.ExitCode}" : lines[^1]);
        return text.ToString();
    }
}
