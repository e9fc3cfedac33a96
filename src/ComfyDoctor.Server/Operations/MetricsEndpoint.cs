using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// <c>GET /metrics</c>: the <see cref="ServerMetrics"/> meter in Prometheus text format, by OpenTelemetry's Prometheus
/// exporter (names <c>comfydoctor_…</c>). Readable with the admin token or the metrics-only token. The fleet gauges are
/// read from the store just before each scrape (never a cached answer), so every replica reports the same fleet.
/// </summary>
public static class MetricsEndpoint
{
    public const string MetricsPolicy = "metrics";

    public static IServiceCollection AddServerMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services
            .AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("comfydoctor"))
            .WithMetrics(metrics =>
                metrics
                    .AddMeter(ServerMetrics.MeterName)
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)
            );
        return services;
    }

    public static void MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(
                "/metrics",
                meterProvider: null,
                configureBranchedPipeline: branch =>
                    branch.Use(
                        async (context, next) =>
                        {
                            var services = context.RequestServices;
                            var figures = await FleetFigures.ReadAsync(
                                services.GetRequiredService<ComfyDoctorDb>(),
                                services.GetRequiredService<ServerOptions>().OnlineWindow,
                                context.RequestAborted
                            );
                            services.GetRequiredService<ServerMetrics>().Show(figures);
                            await next(context);
                        }
                    ),
                optionsName: null
            )
            .RequireAuthorization(MetricsPolicy);
}
