using ComfyDoctor.Server.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComfyDoctor.Server.Tests;

public sealed class PrintableConsoleFormatterTests
{
    [Fact]
    public void A_log_line_carries_no_control_character_of_the_data_it_logs()
    {
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(
            LogLevel.Warning,
            "Jobs",
            new EventId(7),
            "result of worker '\u001b]0;pwned\u0007'\nwarn: forged line",
            null,
            (s, _) => s
        );

        new PrintableConsoleFormatter().Write(in entry, null, writer);

        Assert.Equal("warn: Jobs[7] result of worker '\\x1b]0;pwned\\x07'\\x0awarn: forged line" + Environment.NewLine, writer.ToString());
    }
}
