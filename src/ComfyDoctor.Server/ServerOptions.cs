namespace ComfyDoctor.Server;

/// <summary>How to run the control plane.</summary>
/// <param name="Urls">Where Kestrel listens, e.g. <c>http://127.0.0.1:8470</c>.</param>
/// <param name="Database">A PostgreSQL connection string, a SQLite file or connection string; null = SQLite under <paramref
/// name="DataDir"/>.</param>
/// <param name="DataDir">Holds the SQLite file and generated secrets.</param>
public sealed record ServerOptions(string Urls, string? Database, string DataDir)
{
    /// <summary>The admin token; else COMFYDOCTOR_ADMIN_TOKEN; else generated once into the data folder.</summary>
    public string? AdminToken { get; init; }

    /// <summary>The token agents enroll with; else COMFYDOCTOR_ENROLL_TOKEN; else generated once.</summary>
    public string? EnrollToken { get; init; }

    /// <summary>The read-only dashboard token; else COMFYDOCTOR_VIEWER_TOKEN; else generated once.</summary>
    public string? ViewerToken { get; init; }

    /// <summary>
    /// The key that protects agents' blob-signing keys in the database (32+ characters); else COMFYDOCTOR_MASTER_KEY; else
    /// generated once into the data folder. Replicas on one PostgreSQL database must all be given the same one.
    /// </summary>
    public string? MasterKey { get; init; }

    /// <summary>How the console log is written (<c>--log-format</c>): text, JSON lines or systemd's priority prefixes.</summary>
    public Operations.LogFormat LogFormat { get; init; } = Operations.LogFormat.Text;

    /// <summary>The least level the console log shows (<c>--log-level</c>).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>Sign-in attempts allowed per client address per minute (then 429).</summary>
    public int SignInPermitsPerMinute { get; init; } = 10;

    /// <summary>Wrong-token enrolments allowed per client address per minute; then every enrolment from it gets 429 until the minute
    /// ends.</summary>
    public int EnrollFailuresPerMinute { get; init; } = 10;

    /// <summary>A worker whose agent has not called within this long is shown offline.</summary>
    public TimeSpan OnlineWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock of job leases and the schedule (tests move a fake one instead of waiting).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long an agent's job lease lasts before the job is offered again.</summary>
    public TimeSpan JobLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How many times a job is handed out before, its lease having run out each time, it is failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How often the scheduler looks for a due scan.</summary>
    public TimeSpan SchedulerTick { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How many polls may look at the store at once (a first look, or the look and claim of a woken poll; between looks
    /// they wait without queries); a new poll waits up to 2 s for a turn, then gets 503 with a Retry-After, a woken one waits
    /// until its own end (<see cref="Jobs.PollAdmission"/>).</summary>
    public int MaxPollStarts { get; init; } = 4 * Environment.ProcessorCount;

    /// <summary>How many long polls one replica holds at most; more get 503 with a Retry-After.</summary>
    public int MaxWaitingPolls { get; init; } = 50_000;

    /// <summary>
    /// The largest job result (an inventory as JSON) an agent may post; larger ones are refused with 413 and the reason.
    /// 256 MiB by default: a worker's 100,000 model files take about 30 MiB as the agent sends them (docs/benchmarks.md).
    /// </summary>
    public long MaxResultBytes { get; init; } = 256L << 20;

    /// <summary>The largest workflow upload (API or dashboard form); larger ones are refused with 413 before they are read.</summary>
    public long MaxWorkflowBytes { get; init; } = 16L << 20;

    /// <summary>
    /// How many agent results are read, judged and stored at once; the rest wait their turn, unread, so a whole fleet
    /// answering a scan in the same second costs the memory of this many inventories, not of all of them.
    /// </summary>
    public int MaxConcurrentResults { get; init; } = 2 * Environment.ProcessorCount;

    /// <summary>How many result posts wait for a turn at most (each may hold up to 1 MiB that Kestrel read ahead); more are
    /// answered 503 with a Retry-After, unread (<see cref="Jobs.ResultAdmission"/>).</summary>
    public int MaxQueuedResults { get; init; } = 32 * Environment.ProcessorCount;

    /// <summary>The longest an agent's poll for work waits (each poll waits 80–100 % of it, drawn at random): under the 60 s
    /// idle timeout of common proxies and balancers.</summary>
    public TimeSpan LongPoll { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>Model mirrors repairs may fetch from, after the registry's own URLs (an HTTP base URL or a folder path the agents
    /// see).</summary>
    public IReadOnlyList<Core.Repair.ModelMirror> ModelMirrors { get; init; } = [];

    /// <summary>Workers with one of these tags get Verify &amp; Repair right after their first scan.</summary>
    public IReadOnlyList<string> AutoRepairTags { get; init; } = [];

    /// <summary>How long a relayed blob request waits for the reference agent to start sending.</summary>
    public TimeSpan RelayWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A relay whose two ends reach different replicas passes through the database in chunks of this size …</summary>
    public int RelayChunkBytes { get; init; } = 1 << 20;

    /// <summary>… at most this many chunks ahead of the download (<see cref="Repairs.SharedRelay"/>).</summary>
    public int RelayWindow { get; init; } = 8;

    /// <summary>How long one end of a relay through the database waits for the other to move (a chunk written or taken) before
    /// it gives the relay up and removes it; a relay whose download was not seen for five times this is a dead replica's and
    /// swept (<see cref="Repairs.RelaySweep"/>).</summary>
    public TimeSpan RelayStall { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The certificate for <c>https://</c> addresses in <see cref="Urls"/> (PEM pair or PKCS#12); reloaded when its files
    /// change.</summary>
    public Transport.ServerTls? Tls { get; init; }

    /// <summary>Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For / -Proto headers are believed; none: headers
    /// ignored.</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>A token that may read <c>/metrics</c> and nothing else (else COMFYDOCTOR_METRICS_TOKEN); null: the admin token
    /// only.</summary>
    public string? MetricsToken { get; init; }

    /// <summary>The largest node catalog file (ComfyUI-Manager's maps and lists) an import or a refresh takes; larger: 413, nothing
    /// stored.</summary>
    public long MaxCatalogFileBytes { get; init; } = 64L << 20;

    /// <summary>A folder or an http(s) base URL holding ComfyUI-Manager's catalog files, re-read every
    /// <see cref="NodeCatalogRefresh"/>.</summary>
    public string? NodeCatalogSource { get; init; }

    /// <summary>How often <see cref="NodeCatalogSource"/> is re-read (conditional requests for a URL).</summary>
    public TimeSpan NodeCatalogRefresh { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The thresholds that turn a worker's facts into lights (free disk per model volume).</summary>
    public Core.Diagnosis.HealthPolicy Health { get; init; } = Core.Diagnosis.HealthPolicy.Default;
}
