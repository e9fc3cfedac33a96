using System.CommandLine;
using ComfyDoctor.Server.Operations;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Cli.Commands;

/// <summary><c>--log-format text|json|systemd</c> and <c>--log-level</c> of <c>server</c> and <c>agent</c>.</summary>
internal static class LogOptions
{
    public static readonly Option<string> Format = new Option<string>("--log-format")
    {
        Description =
            "How log entries are written: text (one escaped line each), json (one object a line) "
            + "or systemd (syslog priority prefixes for journald)",
        DefaultValueFactory = _ => "text",
    }.AcceptOnlyFromAmong("text", "json", "systemd");

    public static readonly Option<string?> Level = new Option<string?>("--log-level")
    {
        Description =
            "The least level logged: trace, debug, information, warning or error "
            + "(default: information for the agent, warning for the server)",
    }.AcceptOnlyFromAmong("trace", "debug", "information", "warning", "error");

    public static LogFormat FormatOf(ParseResult parse) =>
        parse.GetValue(Format) switch
        {
            "json" => LogFormat.Json,
            "systemd" => LogFormat.Systemd,
            _ => LogFormat.Text,
        };

    public static LogLevel LevelOf(ParseResult parse, LogLevel fallback) =>
        parse.GetValue(Level) is { } level ? Enum.Parse<LogLevel>(level, ignoreCase: true) : fallback;
}
