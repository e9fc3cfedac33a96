using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Agent.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Passes_arguments_verbatim_and_captures_output()
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", "import sys; print(sys.argv[1:]); sys.stderr.write('err'); sys.exit(3)", "a b", "$HOME", ";rm -rf /"]), CancellationToken.None);
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
        using var dir = new Support.TempDir();
        var marker = dir.Combine("child-survived");
        // The child sleeps, then writes a marker: if the tree was not killed, the marker appears.
        var script = $"import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2); open(r\"{marker}\", \"w\").close()']); import time; time.sleep(30)";
        var result = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", script], Timeout: TimeSpan.FromMilliseconds(500)), CancellationToken.None);
        Assert.True(result.TimedOut);
        await Task.Delay(3000);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Environment_and_working_directory_apply()
    {
        using var dir = new Support.TempDir();
        var env = new Dictionary<string, string?> { ["CD_TEST_VALUE"] = "42", ["HOME"] = null };
        var result = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", "import os; print(os.getcwd(), os.environ.get('CD_TEST_VALUE'), 'HOME' in os.environ)"], dir.Path, env), CancellationToken.None);
        Assert.Equal($"{dir.Path} 42 False", result.StdOut.Trim());
    }

    [Fact]
    public async Task Output_is_bounded_to_its_tail()
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec("python3", ["-c", "print('x' * 100000 + 'END')"], MaxOutputChars: 1000), CancellationToken.None);
        Assert.True(result.StdOut.Length <= 1002);
        Assert.EndsWith("END", result.StdOut.TrimEnd(), StringComparison.Ordinal);
    }
}
