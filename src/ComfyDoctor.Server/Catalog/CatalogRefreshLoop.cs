using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Catalog;

/// <summary>Refreshes the catalog from <see cref="ServerOptions.NodeCatalogSource"/> at start and every
/// <see cref="ServerOptions.NodeCatalogRefresh"/>, once across replicas in the common case (the last refresh's time is stored;
/// two replicas that refresh together cost a conditional request and an unchanged hash, nothing more).</summary>
public sealed partial class CatalogRefreshLoop(IServiceScopeFactory scopes, ServerOptions options, ILogger<CatalogRefreshLoop> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.NodeCatalogSource is null)
        {
            return;
        }

        // Every replica looks once a minute (or each period, when shorter) and refreshes when the last refresh, by any replica, is a period
        // old.
        using var timer = new PeriodicTimer(
            options.NodeCatalogRefresh < TimeSpan.FromMinutes(1) ? options.NodeCatalogRefresh : TimeSpan.FromMinutes(1)
        );
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var refresher = scope.ServiceProvider.GetRequiredService<CatalogRefresher>();
                if (await refresher.DueAsync(stoppingToken) && (await refresher.RefreshAsync(stoppingToken)).Error is { } error)
                {
                    RefreshFailed(logger, options.NodeCatalogSource, error);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RefreshFailed(logger, options.NodeCatalogSource, e.Message); // the database may be away; the next tick tries again
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "node catalog refresh from {Source} failed, the last good catalog is kept: {Error}")]
    private static partial void RefreshFailed(ILogger logger, string source, string error);
}
