using System.Globalization;
using ComfyDoctor.Core.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// The server's log line, one per entry (<c>warn: Category[id] message</c>, as the simple single-line console format),
/// with the message and exception passed through <see cref="Printable.Escape"/>: a worker name or file name holding ESC
/// or a line break cannot forge a log line or reach the terminal of whoever follows the log raw.
/// </summary>
/// <param name="options">Its <c>TimestampFormat</c>, when set, starts each line (the agent's text log: <c>HH:mm:ss</c>).</param>
internal sealed class PrintableConsoleFormatter(IOptionsMonitor<ConsoleFormatterOptions>? options = null) : ConsoleFormatter(Name)
{
    public new const string Name = "printable";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var stamp = options?.CurrentValue is { TimestampFormat: { } format } current
            ? (current.UseUtcTimestamp ? DateTimeOffset.UtcNow : DateTimeOffset.Now).ToString(format, CultureInfo.InvariantCulture)
            : "";
        WriteLine(logEntry, $"{stamp}{Level(logEntry.LogLevel)}: ", textWriter);
    }

    /// <summary>One entry on one line: <paramref name="prefix"/>, <c>Category[id]</c>, the message and exception escaped.</summary>
    internal static void WriteLine<TState>(in LogEntry<TState> logEntry, string prefix, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write($"{prefix}{logEntry.Category}[{logEntry.EventId.Id}] {Printable.Escape(message)}");
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" " + Printable.Escape(exception.ToString()));
        }

        textWriter.WriteLine();
    }

    private static string Level(LogLevel level) =>
        level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
}
