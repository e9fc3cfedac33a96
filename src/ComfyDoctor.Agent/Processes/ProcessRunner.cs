using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ComfyDoctor.Agent.Processes;

/// <summary>What to run: an executable and its arguments as a list (never a shell string).</summary>
/// <param name="Environment">Variables to set (a null value removes the variable).</param>
/// <param name="MaxOutputChars">Each of stdout and stderr keeps at most this many characters (the tail).</param>
public sealed record ProcessSpec(
    string Executable,
    IReadOnlyList<string> Arguments,
    string? WorkingDirectory = null,
    IReadOnlyDictionary<string, string?>? Environment = null,
    TimeSpan? Timeout = null,
    int MaxOutputChars = 256 * 1024
);

/// <summary>How a process ended.</summary>
/// <param name="ExitCode">The exit code; -1 when it timed out or could not start.</param>
/// <param name="NotFound">The process could not be started (executable missing or not executable, or no such working
/// directory); <see cref="StdErr"/> says which.</param>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut, bool NotFound)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && !NotFound;
}

/// <summary>
/// Runs a child process with its arguments as a list, stdin closed, captures its output (bounded), and kills the whole
/// process tree on timeout or cancellation. A missing executable is a result, not an exception; cancellation through
/// the caller's token is an <see cref="OperationCanceledException"/> (after the tree is killed).
/// </summary>
public static class ProcessRunner
{
    /// <summary>How long to wait for the output pipes to close after the process ended (a detached grandchild may hold them).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (spec.WorkingDirectory is { Length: > 0 } cwd && !Directory.Exists(cwd))
        {
            return NotStarted($"{spec.Executable}: working directory {cwd} does not exist");
        }

        using var process = new Process { StartInfo = StartInfo(spec) };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return NotStarted($"{spec.Executable}: {e.Message}");
        }

        process.StandardInput.Close();
        var stdout = new TailBuffer(spec.MaxOutputChars);
        var stderr = new TailBuffer(spec.MaxOutputChars);
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, stdout), PumpAsync(process.StandardError, stderr));

        using var timeout = new CancellationTokenSource(spec.Timeout ?? Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None);
            await DrainAsync(pumps);
            ct.ThrowIfCancellationRequested();
            timedOut = true;
        }

        await DrainAsync(pumps);
        return new ProcessResult(timedOut ? -1 : process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut, false);
    }

    private static ProcessStartInfo StartInfo(ProcessSpec spec)
    {
        var start = new ProcessStartInfo(spec.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in spec.Arguments)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in spec.Environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        return start;
    }

    private static ProcessResult NotStarted(string why) => new(-1, "", why, false, true);

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // already gone, or not ours to kill: WaitForExit below still ends when the process does
        }
    }

    /// <summary>Waits for the rest of the output, but not forever: a detached grandchild can keep a pipe open.</summary>
    private static async Task DrainAsync(Task pumps)
    {
        try
        {
            await pumps.WaitAsync(DrainGrace);
        }
        catch (TimeoutException)
        {
            // keep what was read; the pipes close when the Process is disposed
        }
    }

    private static async Task PumpAsync(StreamReader reader, TailBuffer sink)
    {
        var buffer = new char[8192];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                sink.Append(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the pipe was closed under us (process disposed after the drain grace): the output so far stands
        }
    }

    /// <summary>Keeps the last <c>max</c> characters written; thread-safe so a late pump cannot corrupt a read.</summary>
    private sealed class TailBuffer(int max)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();
        private bool _cut;

        public void Append(ReadOnlySpan<char> chars)
        {
            lock (_lock)
            {
                _text.Append(chars);
                if (_text.Length > max * 2)
                {
                    _text.Remove(0, _text.Length - max);
                    _cut = true;
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                if (_text.Length > max)
                {
                    _text.Remove(0, _text.Length - max);
                    _cut = true;
                }

                return _cut ? "…" + _text : _text.ToString();
            }
        }
    }
}
