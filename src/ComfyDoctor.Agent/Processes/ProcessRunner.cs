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
    int MaxOutputChars = 256 * 1024);

/// <summary>How a process ended.</summary>
/// <param name="NotFound">The executable could not be started (missing, not executable).</param>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut, bool NotFound)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && !NotFound;
}

/// <summary>
/// Runs a child process with its arguments as a list, captures its output (bounded), and kills the whole process
/// tree on timeout or cancellation. A missing executable is a result, not an exception.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken ct)
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

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or FileNotFoundException or DirectoryNotFoundException)
        {
            return new ProcessResult(-1, "", $"{spec.Executable}: {e.Message}", false, true);
        }

        process.StandardInput.Close();
        var stdout = new TailBuffer(spec.MaxOutputChars);
        var stderr = new TailBuffer(spec.MaxOutputChars);
        var readOut = PumpAsync(process.StandardOutput, stdout);
        var readErr = PumpAsync(process.StandardError, stderr);

        using var timeout = new CancellationTokenSource(spec.Timeout ?? Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            timedOut = timeout.IsCancellationRequested && !ct.IsCancellationRequested;
            if (!timedOut)
            {
                await Task.WhenAll(readOut, readErr);
                throw;
            }
        }

        await Task.WhenAll(readOut, readErr);
        return new ProcessResult(timedOut ? -1 : process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut, false);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static async Task PumpAsync(StreamReader reader, TailBuffer sink)
    {
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            sink.Append(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Keeps the last <c>max</c> characters written.</summary>
    private sealed class TailBuffer(int max)
    {
        private readonly StringBuilder _text = new();
        private bool _cut;

        public void Append(ReadOnlySpan<char> chars)
        {
            _text.Append(chars);
            if (_text.Length > max * 2)
            {
                _text.Remove(0, _text.Length - max);
                _cut = true;
            }
        }

        public override string ToString()
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
