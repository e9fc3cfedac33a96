using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// The store connections this replica holds open now (<c>comfydoctor_db_connections_open</c> on <c>/metrics</c>) and the most
/// it held at once: what its pool must hold, and what a wave of woken polls would queue on it (<see cref="Jobs.PollAdmission"/>).
/// </summary>
public sealed class OpenConnections : DbConnectionInterceptor
{
    private long _open;
    private long _peak;

    public OpenConnections(IMeterFactory meters)
    {
        Meter = meters.Create(Operations.ServerMetrics.MeterName); // the factory's, disposed with it
        Meter.CreateObservableGauge(
            "comfydoctor.db.connections.open",
            () => Open,
            description: "store connections this replica holds open"
        );
    }

    private Meter Meter { get; }

    public long Open => Interlocked.Read(ref _open);

    /// <summary>The most held open at once since the start or the last <see cref="ResetPeak"/>.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    public void ResetPeak() => Interlocked.Exchange(ref _peak, Open);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Opened();

    public override Task ConnectionOpenedAsync(
        DbConnection connection,
        ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default
    )
    {
        Opened();
        return Task.CompletedTask;
    }

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Decrement(ref _open);

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Interlocked.Decrement(ref _open);
        return Task.CompletedTask;
    }

    private void Opened()
    {
        var open = Interlocked.Increment(ref _open);
        var peak = Interlocked.Read(ref _peak);
        while (open > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, open, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }
}
