using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// One simulated worker speaking the agent protocol with its wire records (<see cref="EnrollRequest"/>, <see cref="AgentJob"/>,
/// <see cref="JobProgress"/>, <see cref="JobResult"/>): enroll, then long-poll; a scan job gets one progress post and the
/// worker's inventory as its result at once (no scanning here: the load is the server's). The inventory is serialised before
/// the scan starts, so the load generator spends its CPU on HTTP, not JSON.
/// </summary>
public sealed class SimulatedAgent(HttpClient http, Uri server, string name, byte[] result)
{
    /// <summary>Like the real agent (<c>AgentRetry</c>): a lost connection is retried after a jittered exponential back-off
    /// (1 s doubling to 30 s, each between half and one and a half of it) instead of ending the agent, and a <c>Retry-After</c>
    /// is honoured plus up to a tenth more (the reconnect storm run).</summary>
    public bool Reconnects { get; init; }

    /// <summary>Stopwatch timestamp at which the poll in flight now was sent (0: none in flight).</summary>
    public long PollSentAt => Interlocked.Read(ref _pollSentAt);

    /// <summary>Connections that failed (refused, reset) and were retried.</summary>
    public int Reconnections => _reconnections;

    private long _pollSentAt;
    private int _reconnections;

    private string _credential = "";

    public string Name => name;

    /// <summary>Stopwatch timestamp at which the server took this agent's last result (0 = none yet).</summary>
    public long StoredAt { get; private set; }

    /// <summary>Stopwatch timestamp at which this agent was last handed a job.</summary>
    public long ClaimedAt { get; private set; }

    /// <summary>Polls sent so far (the first one marks the agent as waiting).</summary>
    public int Polls => _polls;

    public string? Failure { get; private set; }

    private int _polls;
    private int _sheds;

    /// <summary>Polls a replica answered 503 (shed).</summary>
    public int Sheds => _sheds;

    public async Task EnrollAsync(string enrollToken, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(
            Url("enroll"),
            new EnrollRequest(name, ["bench", "gpu"], enrollToken),
            ReportJson.Options,
            ct
        );
        response.EnsureSuccessStatusCode();
        _credential = (await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct))!.Credential;
    }

    /// <summary>Polls until cancelled; any error stops this agent and is kept in <see cref="Failure"/>.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var failures = 0;
            while (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _polls);
                var sent = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _pollSentAt, sent);
                HttpResponseMessage poll;
                try
                {
                    poll = await SendAsync(HttpMethod.Get, "jobs/next", null, ct);
                }
                catch (HttpRequestException) when (Reconnects && !ct.IsCancellationRequested)
                {
                    Interlocked.Exchange(ref _pollSentAt, 0);
                    Interlocked.Increment(ref _reconnections);
                    var backoff = Math.Min(30, Math.Pow(2, Math.Min(failures++, 5))) * (0.5 + Random.Shared.NextDouble());
                    await Task.Delay(TimeSpan.FromSeconds(backoff), ct);
                    continue;
                }

                using var answered = poll;
                Interlocked.Exchange(ref _pollSentAt, 0);
                failures = 0;
                if (poll.StatusCode == HttpStatusCode.NoContent)
                {
                    continue;
                }

                if (poll.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    // a replica shedding polls: come back after its Retry-After, as the real agent does
                    Interlocked.Increment(ref _sheds);
                    var asked = poll.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                    await Task.Delay(Reconnects ? asked * (1 + (Random.Shared.NextDouble() / 10)) : asked, ct);
                    continue;
                }

                poll.EnsureSuccessStatusCode();
                ClaimedAt = Stopwatch.GetTimestamp();
                var job = (await poll.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct))!;
                var progress = JsonContent.Create(new JobProgress("hashing", 150, 300, 1L << 30, 2L << 30), options: ReportJson.Options);
                using (await SendAsync(HttpMethod.Post, $"jobs/{job.Id}/progress", progress, ct)) { }

                var content = new ByteArrayContent(result);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var stored = await SendAsync(HttpMethod.Post, $"jobs/{job.Id}/result", content, ct);
                stored.EnsureSuccessStatusCode();
                StoredAt = Stopwatch.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the run is over
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            Failure = $"{name}: {e.Message}";
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, Url(path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _credential);
        return await http.SendAsync(request, ct);
    }

    private Uri Url(string path) => new(server, AgentProtocol.Prefix.TrimStart('/') + "/" + path);
}
