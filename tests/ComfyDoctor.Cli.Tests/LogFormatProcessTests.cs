using System.Text.Json;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// <c>comfydoctor agent --log-format text|json|systemd</c> as a process: each entry one line of the chosen shape, and no
/// control or bidi character of a hostile worker name or ComfyUI path reaches the output raw. The agent has neither a
/// credential nor an enroll token, so it logs its start and stops at once (exit 2) without a server.
/// </summary>
public sealed class LogFormatProcessTests
{
    private const string HostileName = "w\u001b[31m\u202eevil";

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("systemd")]
    public async Task The_agent_logs_one_escaped_line_per_entry_in_each_format(string format)
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("Comfy\nUI\u0007");
        Directory.CreateDirectory(comfy);

        var run = await CliProcess.RunAsync(
            "agent",
            "--server",
            "http://127.0.0.1:9/",
            "--name",
            HostileName,
            "--comfyui",
            comfy,
            "--data",
            dir.Combine("agent"),
            "--log-format",
            format
        );

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no enroll token", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.StdOut);
        Assert.DoesNotContain('\u202e', run.StdOut);
        Assert.DoesNotContain('\u0007', run.StdOut);
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var start = Assert.Single(lines, l =>
            l.Contains("[100]", StringComparison.Ordinal) || l.Contains("\"EventId\":100", StringComparison.Ordinal)
        );
        switch (format)
        {
            case "text":
                Assert.Matches(
                    @"^\d\d:\d\d:\d\d info: ComfyDoctor\.Agent\[100\] agent 'w\\x1b\[31m\\u202eevil' serving .*Comfy\\x0aUI\\x07",
                    start
                );
                break;
            case "systemd":
                Assert.StartsWith(@"<6>ComfyDoctor.Agent[100] agent 'w\x1b[31m\u202eevil' serving", start, StringComparison.Ordinal);
                break;
            default:
                Assert.All(lines, l => JsonDocument.Parse(l).Dispose()); // every line one JSON object
                var entry = JsonDocument.Parse(start).RootElement;
                Assert.Equal("Information", entry.GetProperty("LogLevel").GetString());
                // exact, once decoded
                Assert.Equal($"agent '{HostileName}' serving {comfy} for http://127.0.0.1:9/", entry.GetProperty("Message").GetString());
                break;
        }
    }

    [Fact]
    public async Task An_unknown_log_format_is_a_usage_error()
    {
        var run = await CliProcess.RunAsync("agent", "--server", "http://127.0.0.1:9/", "--comfyui", "/tmp", "--log-format", "xml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("xml", run.StdErr, StringComparison.Ordinal);
    }
}
