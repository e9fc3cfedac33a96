using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Agent.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Passes_arguments_verbatim_and_captures_output()
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "python3",
                ["-c", "import sys; print(sys.argv[1:]); sys.stderr.write('err'); sys.exit(3)", "a b", "$HOME", ";rm -rf /"]
            ),
            CancellationToken.None
        );
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("['a b', '$HOME', ';rm -rf /']", result.StdOut.Trim());
        Assert.Equal("err", result.StdErr);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Missing_executable_is_a_result_not_an_exception()
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec("/nonexistent/tool", []), CancellationToken.None);
        Assert.True(result.NotFound);
        Assert.Contains("/nonexistent/tool", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_kills_the_process_tree()
    {
        using var dir = new TempDir();
        var marker = dir.Combine("child-survived");
        // The child sleeps, then writes a marker: if the tree was not killed, the marker appears.
        var script =
            $"import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2); open(r\"{marker}\", "
            + "\"w\").close()']); import time; time.sleep(30)";
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec("python3", ["-c", script], Timeout: TimeSpan.FromMilliseconds(500)),
            CancellationToken.None
        );
        Assert.True(result.TimedOut);
        await Task.Delay(3000);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Environment_and_working_directory_apply()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string?> { ["CD_TEST_VALUE"] = "42", ["HOME"] = null };
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "python3",
                ["-c", "import os; print(os.getcwd(), os.environ.get('CD_TEST_VALUE'), 'HOME' in os.environ)"],
                dir.Path,
                env
            ),
            CancellationToken.None
        );
        Assert.Equal($"{dir.Path} 42 False", result.StdOut.Trim());
    }

    [Fact]
    public async Task Output_is_bounded_to_its_tail()
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec("python3", ["-c", "print('x' * 100000 + 'END')"], MaxOutputChars: 1000),
            CancellationToken.None
        );
        Assert.True(result.StdOut.Length <= 1002);
        Assert.EndsWith("END", result.StdOut.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_working_directory_or_unexecutable_file_is_not_found()
    {
        using var dir = new TempDir();
        var noDir = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", "pass"], dir.Combine("gone")), CancellationToken.None);
        Assert.True(noDir.NotFound);
        Assert.Contains($"working directory {dir.Combine("gone")} does not exist", noDir.StdErr, StringComparison.Ordinal);

        var text = dir.WriteText("not-a-program", "just text");
        var notExecutable = await ProcessRunner.RunAsync(new ProcessSpec(text, []), CancellationToken.None);
        Assert.True(notExecutable.NotFound);
        Assert.False(notExecutable.Succeeded);
    }

    [Fact]
    public async Task Cancellation_kills_the_tree_and_throws()
    {
        using var dir = new TempDir();
        var marker = dir.Combine("child-survived");
        var started = dir.Combine("started");
        var script =
            "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2); "
            + $"open(r\"{marker}\", \"w\").close()']); open(r\"{started}\", \"w\").close(); time.sleep(60)";
        using var cts = new CancellationTokenSource();
        var run = ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", script]), cts.Token);
        while (!File.Exists(started))
        {
            await Task.Delay(50);
        }

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Task.Delay(3000);
        Assert.False(File.Exists(marker));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_detached_grandchild_holding_the_output_open_does_not_hang_the_caller()
    {
        // The child starts a grandchild in its own session (out of reach of the tree kill) that inherits stdout and
        // sleeps for minutes, then exits: the runner must return with the child's output instead of waiting for EOF.
        var script =
            "import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
            + "start_new_session=True); print(p.pid, flush=True)";
        var result = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", script]), CancellationToken.None);
        try
        {
            Assert.True(result.Succeeded, result.StdErr);
            Assert.Matches(@"^\d+$", result.StdOut.Trim());
        }
        finally
        {
            if (int.TryParse(result.StdOut.Trim(), out var pid))
            {
                using var grandchild = System.Diagnostics.Process.GetProcessById(pid);
                grandchild.Kill();
            }
        }
    }
}
