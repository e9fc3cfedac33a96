using System.Threading.RateLimiting;
using ComfyDoctor.Server.Audit;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// Guessing the enroll token: each wrong-token enrolment is logged (never the token), audited (<c>worker.enroll</c>,
/// refused, with the client address) and counted per client address; after <see cref="ServerOptions.EnrollFailuresPerMinute"/>
/// in a minute, every enrolment from that address — a right token too, so the answer tells a guesser nothing — gets 429
/// until the window ends. Only failures count: a whole fleet behind one NAT enrolling at once is never slowed.
/// </summary>
public sealed partial class EnrollmentGuard(ServerOptions options, ILogger<EnrollmentGuard> logger) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.EnrollFailuresPerMinute),
            Window = Window,
            QueueLimit = 0,
        })
    );

    /// <summary>True when this address has used up its failures for the current window.</summary>
    public bool IsBlocked(string address)
    {
        using var lease = _failures.AttemptAcquire(address, 0); // 0 permits: only asks whether any are left
        return !lease.IsAcquired;
    }

    /// <summary>A wrong token: counted, logged and audited.</summary>
    public async Task RefusedAsync(string address, string? name, AuditTrail audit, CancellationToken ct)
    {
        using (_failures.AttemptAcquire(address, 1)) { }

        var worker = Core.Text.Printable.Escape(name is { Length: > 128 } ? name[..128] : name ?? ""); // claimed by an unknown caller
        WrongToken(logger, worker, address);
        if (IsBlocked(address))
        {
            Blocked(logger, address, options.EnrollFailuresPerMinute);
        }

        await audit.AppendAsync("anonymous", "worker.enroll", worker, $"from={address}", "refused: wrong enroll token", ct);
    }

    public void Dispose() => _failures.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "enrolment of '{Worker}' from {Address} refused: wrong enroll token")]
    private static partial void WrongToken(ILogger logger, string worker, string address);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "{Address} sent {Count} wrong enroll tokens within a minute: its enrolments are refused (429) until the minute ends"
    )]
    private static partial void Blocked(ILogger logger, string address, int count);
}
