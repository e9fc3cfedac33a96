using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// Everything the agent says, as source-generated log methods (no formatting unless the level is on). No method takes a
/// token: the enroll token, the credential and blob tokens never reach a log, at any level.
/// </summary>
internal static partial class AgentLog
{
    [LoggerMessage(3, LogLevel.Information, "enrolled as '{Name}'; credential stored in {CredentialFile}")]
    public static partial void Enrolled(ILogger logger, string name, string credentialFile);

    [LoggerMessage(4, LogLevel.Information, "greeted {Server} (blob server: {ListenUrl})")]
    public static partial void Greeted(ILogger logger, Uri server, string listenUrl);

    [LoggerMessage(10, LogLevel.Warning, "server {Server} unreachable ({Reason}); retrying in {DelaySeconds:0.#} s")]
    public static partial void ServerUnreachable(ILogger logger, Uri server, string reason, double delaySeconds);

    [LoggerMessage(11, LogLevel.Warning, "server {Server} busy ({Status}); retrying in {DelaySeconds:0.#} s as its Retry-After asks")]
    public static partial void ServerBusy(ILogger logger, Uri server, int status, double delaySeconds);

    [LoggerMessage(20, LogLevel.Information, "job {JobId}: {Kind} started")]
    public static partial void JobStarted(ILogger logger, string jobId, string kind);

    [LoggerMessage(21, LogLevel.Information, "job {JobId} done ({Bytes} bytes sent, models {How})")]
    public static partial void JobDone(ILogger logger, string jobId, int bytes, string how);

    [LoggerMessage(41, LogLevel.Information, "job {JobId}: the server does not hold the base of the change ({Why}); sending every model")]
    public static partial void ResultBaseUnknown(ILogger logger, string jobId, string why);

    [LoggerMessage(22, LogLevel.Warning, "job {JobId} is no longer this agent's; result dropped")]
    public static partial void JobNoLongerOurs(ILogger logger, string jobId);

    [LoggerMessage(23, LogLevel.Warning, "job {JobId}: the server refused the result ({Status}): {Why}")]
    public static partial void ResultRefused(ILogger logger, string jobId, int status, string why);

    [LoggerMessage(24, LogLevel.Warning, "job {JobId}: result not delivered ({Reason}); retrying in {DelaySeconds:0.#} s")]
    public static partial void ResultNotDelivered(ILogger logger, string jobId, string reason, double delaySeconds);

    [LoggerMessage(25, LogLevel.Information, "job {JobId}: cancelled by an admin")]
    public static partial void CancelledByAdmin(ILogger logger, string jobId);

    [LoggerMessage(26, LogLevel.Error, "a job ended with an error the agent did not expect: {Reason}")]
    public static partial void JobCrashed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(30, LogLevel.Information, "job {JobId} handed back to the server: the agent is stopping")]
    public static partial void HandedBack(ILogger logger, string jobId);

    [LoggerMessage(
        31,
        LogLevel.Warning,
        "job {JobId}: the server did not take it back ({Status}); it is offered again when its lease runs out"
    )]
    public static partial void NotTakenBack(ILogger logger, string jobId, int status);

    [LoggerMessage(32, LogLevel.Warning, "job {JobId}: could not hand it back ({Reason}); it is offered again when its lease runs out")]
    public static partial void CouldNotHandBack(ILogger logger, string jobId, string reason);

    [LoggerMessage(40, LogLevel.Debug, "job {JobId}: progress post dropped ({Reason})")]
    public static partial void ProgressDropped(ILogger logger, string jobId, string reason);
}
