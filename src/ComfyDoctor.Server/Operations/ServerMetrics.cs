using System.Diagnostics.Metrics;

namespace ComfyDoctor.Server.Operations;

/// <summary>
/// The server's instruments (System.Diagnostics.Metrics, one meter per server from its own meter factory): gauges observed
/// from the <see cref="FleetFigures"/> read for the scrape, and the duration histograms and transfer counter this replica
/// records as results arrive. <see cref="MetricsEndpoint"/> exports them in Prometheus text format (OpenTelemetry's
/// exporter: dots become underscores, units and <c>_total</c> become suffixes).
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "ComfyDoctor";

    /// <summary>Seconds: a scan of a small worker to a repair that fetches large models.</summary>
    private static readonly double[] DurationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

    private readonly Histogram<double> _scanSeconds;
    private readonly Histogram<double> _repairSeconds;
    private readonly Counter<long> _bytes;
    private FleetFigures _figures = FleetFigures.Empty;

    public ServerMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        Meter.CreateObservableGauge(
            "comfydoctor.workers",
            () => _figures.Workers.Select(w => Measure(w.Value, ("category", w.Key.Category), ("light", w.Key.Light))),
            description: "Workers by category and the light of their latest finished scan (unknown before the first)"
        );
        Meter.CreateObservableGauge(
            "comfydoctor.agents",
            () =>
                (Measurement<long>[])
                    [Measure(_figures.AgentsOnline, ("state", "online")), Measure(_figures.AgentsOffline, ("state", "offline"))],
            description: "Agents that called within the online window, and those that did not"
        );
        Meter.CreateObservableGauge(
            "comfydoctor.jobs",
            () => _figures.Jobs.Select(j => Measure(j.Value, ("kind", j.Key.Kind), ("state", j.Key.State))),
            description: "Jobs in the store by kind and state"
        );
        Meter.CreateObservableGauge("comfydoctor.audit.records", () => _figures.AuditRecords, description: "Length of the audit chain");
        _scanSeconds = Meter.CreateHistogram(
            "comfydoctor.scan.duration",
            "s",
            "From a scan's request to its stored report, as this replica stored it",
            null,
            Buckets()
        );
        _repairSeconds = Meter.CreateHistogram(
            "comfydoctor.repair.duration",
            "s",
            "From a repair job's request to its stored result, as this replica stored it",
            null,
            Buckets()
        );
        _bytes = Meter.CreateCounter<long>(
            "comfydoctor.transferred",
            "By",
            description: "Model bytes repairs fetched, by source kind (url, mirror, peer), as this replica stored the results"
        );
    }

    public Meter Meter { get; }

    /// <summary>What the gauges show from now on (read just before a scrape).</summary>
    public void Show(FleetFigures figures) => _figures = figures;

    public void ScanStored(TimeSpan sinceRequest) => _scanSeconds.Record(sinceRequest.TotalSeconds);

    public void RepairStored(TimeSpan sinceRequest) => _repairSeconds.Record(sinceRequest.TotalSeconds);

    /// <summary>A model fetched by a repair; <paramref name="source"/> as the agent describes it ("url host", "mirror name", "worker
    /// name").</summary>
    public void Transferred(long bytes, string? source) =>
        _bytes.Add(bytes, new KeyValuePair<string, object?>("source_kind", SourceKind(source)));

    internal static string SourceKind(string? source) =>
        source?.Split(' ', 2)[0] switch
        {
            "url" => "url",
            "mirror" => "mirror",
            "worker" => "peer",
            _ => "other",
        };

    private static InstrumentAdvice<double> Buckets() => new() { HistogramBucketBoundaries = DurationBuckets };

    private static Measurement<long> Measure(long value, params ReadOnlySpan<(string Key, string Value)> tags)
    {
        var list = new KeyValuePair<string, object?>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            list[i] = new(tags[i].Key, tags[i].Value);
        }

        return new Measurement<long>(value, list);
    }
}
