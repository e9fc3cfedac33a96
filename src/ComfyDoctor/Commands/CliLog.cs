using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Cli.Commands;

/// <summary>What the long-running commands log, as source-generated methods. No method takes a token.</summary>
internal static partial class CliLog
{
    [LoggerMessage(100, LogLevel.Information, "agent '{Name}' serving {ComfyUi} for {Server}")]
    public static partial void AgentStarting(ILogger logger, string name, string comfyUi, Uri server);

    [LoggerMessage(101, LogLevel.Information, "serving verified model blobs to peers at {Listen}")]
    public static partial void ServingBlobs(ILogger logger, string listen);

    [LoggerMessage(102, LogLevel.Information, "agent '{Name}' stopped")]
    public static partial void AgentStopped(ILogger logger, string name);
}
