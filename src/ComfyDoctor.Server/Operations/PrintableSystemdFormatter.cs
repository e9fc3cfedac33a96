using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// <c>--log-format systemd</c>: each entry one line with its syslog priority first (<c>&lt;4&gt;Category[id] message</c>),
/// which journald reads as the entry's level (its own timestamps are added by the journal); the message escaped as
/// <see cref="PrintableConsoleFormatter"/> escapes it, so hostile text cannot forge an entry.
/// </summary>
internal sealed class PrintableSystemdFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "printable-systemd";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter) =>
        PrintableConsoleFormatter.WriteLine(logEntry, Priority(logEntry.LogLevel), textWriter);

    /// <summary>sd-daemon(3): &lt;7&gt; debug … &lt;2&gt; critical.</summary>
    private static string Priority(LogLevel level) =>
        level switch
        {
            LogLevel.Trace or LogLevel.Debug => "<7>",
            LogLevel.Information => "<6>",
            LogLevel.Warning => "<4>",
            LogLevel.Error => "<3>",
            _ => "<2>",
        };
}
