using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// The console log of the server and the agent in the chosen <see cref="LogFormat"/>. Text and systemd lines escape
/// control, bidi and zero-width characters (<see cref="PrintableConsoleFormatter"/>); JSON escapes them as <c>\uXXXX</c>
/// (the writer's default encoder escapes every control and non-ASCII character), so no format lets a worker name forge a line.
/// </summary>
public static class ConsoleLog
{
    /// <param name="timestampFormat">Starts each text line (the journal and JSON carry their own timestamps); null: none.</param>
    public static ILoggingBuilder AddConsoleLog(this ILoggingBuilder logging, LogFormat format, string? timestampFormat = null)
    {
        switch (format)
        {
            case LogFormat.Json:
                logging.AddJsonConsole(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                    o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                });
                break;
            case LogFormat.Systemd:
                logging
                    .AddConsole(c => c.FormatterName = PrintableSystemdFormatter.Name)
                    .AddConsoleFormatter<PrintableSystemdFormatter, ConsoleFormatterOptions>();
                break;
            default:
                logging
                    .AddConsole(c => c.FormatterName = PrintableConsoleFormatter.Name)
                    .AddConsoleFormatter<PrintableConsoleFormatter, ConsoleFormatterOptions>(o => o.TimestampFormat = timestampFormat);
                break;
        }

        return logging;
    }
}
