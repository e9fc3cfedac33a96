using ComfyDoctor.Server.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// Probes for load balancers and Kubernetes, without a token and without data: <c>GET /healthz</c> says the process
/// serves; <c>GET /readyz</c> says the database answers and holds every migration this build ships ("ok", else 503
/// "not ready" — the reason goes to the log, not to an anonymous caller).
/// </summary>
public static class HealthEndpoints
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

                log.LogWarning("not ready: migrations {Missing} not applied", string.Join(", ", missing));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                log.LogWarning("not ready: the database does not answer: {Reason}", e.Message);
            }

            return TypedResults.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
