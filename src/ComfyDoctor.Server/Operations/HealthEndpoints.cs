using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// Probes for load balancers and Kubernetes, without a token and without data: <c>GET /healthz</c> says the process
/// serves; <c>GET /readyz</c> says the database answers and holds every migration this build ships ("ok", else 503
/// "not ready" — the reason goes to the log, not to an anonymous caller).
/// </summary>
public static partial class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/readyz", async Task<IResult> (ComfyDoctorDb db, ILogger<ComfyDoctorDb> log, CancellationToken ct) =>
            {
                try
                {
                    var missing = await MigrationRunner.MissingAsync(db, ct);
                    if (missing.Count == 0)
                    {
                        return TypedResults.Text("ok");
                    }

                    MigrationsMissing(log, string.Join(", ", missing));
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    DatabaseSilent(log, e.Message);
                }

                return TypedResults.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "not ready: migrations {Missing} not applied")]
    private static partial void MigrationsMissing(ILogger logger, string missing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "not ready: the database does not answer: {Reason}")]
    private static partial void DatabaseSilent(ILogger logger, string reason);
}
