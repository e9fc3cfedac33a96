using Polly;
using Polly.Retry;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// How the agent waits before trying the server again (Polly's retry strategy): exponential back-off from
/// <see cref="AgentOptions.FirstBackoff"/> to <see cref="AgentOptions.MaxBackoff"/> with decorrelated jitter, so a farm
/// whose server restarts does not come back as one wave; a server that says when (<c>Retry-After</c> on a 429 or 503) is
/// taken at its word, plus up to a tenth more as jitter, and at most <see cref="AgentOptions.MaxRetryAfter"/>. Retries
/// never end on their own: only the agent's stop or a refusal for good (<see cref="AgentRefusedException"/>) ends them.
/// The waits run on <see cref="AgentOptions.Time"/>, so tests move time instead of waiting for it.
/// </summary>
internal static class AgentRetry
{
    /// <param name="onRetry">Told what failed and how long the agent waits now (to say so in the log).</param>
    public static ResiliencePipeline Create(AgentOptions options, Action<Exception, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = options.Time }
            .AddRetry(
                new RetryStrategyOptions
                {
                    ShouldHandle = args =>
                        ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.FirstBackoff,
                    MaxDelay = options.MaxBackoff,
                    MaxRetryAttempts = int.MaxValue,
                    DelayGenerator = args => ValueTask.FromResult(AskedFor(args.Outcome.Exception, options)),
                    OnRetry = args =>
                    {
                        onRetry(args.Outcome.Exception!, args.RetryDelay);
                        return ValueTask.CompletedTask;
                    },
                }
            )
            .Build();

    /// <summary>Connection refused or reset, a timeout, a 429 or 5xx: the server may be back soon. Never once the agent stops.</summary>
    public static bool IsTransient(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or IOException;

    /// <summary>The wait the server asked for, with jitter; null: the back-off decides.</summary>
    private static TimeSpan? AskedFor(Exception? failure, AgentOptions options)
    {
        if (failure is not ServerBusyException { RetryAfter: { } asked })
        {
            return null;
        }

        var capped = asked < options.MaxRetryAfter ? asked : options.MaxRetryAfter;
        return capped + (capped * (Random.Shared.NextDouble() / 10));
    }
}
