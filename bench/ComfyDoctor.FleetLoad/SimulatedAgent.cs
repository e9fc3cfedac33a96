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
/// the scan starts, so the load generator spends its CPU on HTTP, not JSON. Once the server stored one, a later scan's result
/// goes as the real agent sends an unchanged inventory: a change against the stored one (<paramref name="unchanged"/>, its
/// base job filled in), the whole inventory again when the server no longer holds that base.
/// </summary>
public sealed class SimulatedAgent(HttpClient http, Uri server, string name, byte[] result, JobResult? unchanged = null)
{
    private const string BaseUnknown = ProblemText.TypePrefix + "result-base-unknown";

    /// <summary>Stopwatch timestamp at which the poll in flight now was sent (0: none in flight).</summary>
    public long PollSentAt => Interlocked.Read(ref _pollSentAt);

    /// <summary>Connections that failed (refused, reset) and were retried.</summary>
    public int Reconnections => _reconnections;

    /// <summary>Answers 5xx other than a 503 (a server error), each retried after a back-off as the real agent does.</summary>
    public int ServerErrors => _serverErrors;

    /// <summary>Results sent as a change against the stored one.</summary>
    public int Changes { get; private set; }

    private long _pollSentAt;
    private int _reconnections;
    private int _serverErrors;
    private string? _storedJob;

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

    /// <summary>Polls and posts a replica answered 503 (shed).</summary>
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

    /// <summary>Polls until cancelled. Like the real agent (<c>AgentRetry</c>), a lost connection or a 5xx is retried after a
    /// jittered exponential back-off (1 s doubling to 30 s, each between half and one and a half of it), and a 503's
    /// <c>Retry-After</c> is honoured plus up to a tenth more; any other error stops this agent and is kept in
    /// <see cref="Failure"/>.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _polls);
                using var poll = await SendRetriedAsync(HttpMethod.Get, "jobs/next", () => null, ct, polling: true);
                if (poll.StatusCode == HttpStatusCode.NoContent)
                {
                    continue;
                }

                poll.EnsureSuccessStatusCode();
                ClaimedAt = Stopwatch.GetTimestamp();
                var job = (await poll.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct))!;
                var progress = new JobProgress("hashing", 150, 300, 1L << 30, 2L << 30);
                using (await SendRetriedAsync(HttpMethod.Post, $"jobs/{job.Id}/progress", () => Json(progress), ct)) { }

                await DeliverAsync(job.Id, ct);
                StoredAt = Stopwatch.GetTimestamp();
                _storedJob = job.Id;
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

    /// <summary>The result as a change when the server holds a base, else (or when it asks for it) whole.</summary>
    private async Task DeliverAsync(string jobId, CancellationToken ct)
    {
        if (unchanged is { ModelsDelta: { } delta } && _storedJob is { } stored)
        {
            var change = unchanged with { ModelsDelta = delta with { BaseJob = stored } };
            using var sent = await SendRetriedAsync(HttpMethod.Post, $"jobs/{jobId}/result", () => Json(change), ct);
            if (sent.IsSuccessStatusCode)
            {
                Changes++;
                return;
            }

            if (!(await sent.Content.ReadAsStringAsync(ct)).Contains(BaseUnknown, StringComparison.Ordinal))
            {
                sent.EnsureSuccessStatusCode();
            }
        }

        using var whole = await SendRetriedAsync(HttpMethod.Post, $"jobs/{jobId}/result", () => Body(result), ct);
        whole.EnsureSuccessStatusCode();
    }

    /// <summary>Sends until an answer other than a 5xx, retrying as <see cref="RunAsync"/> says; a poll marks
    /// <see cref="PollSentAt"/> while it is in flight.</summary>
    private async Task<HttpResponseMessage> SendRetriedAsync(
        HttpMethod method,
        string path,
        Func<HttpContent?> content,
        CancellationToken ct,
        bool polling = false
    )
    {
        var failures = 0;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                Interlocked.Exchange(ref _pollSentAt, polling ? Stopwatch.GetTimestamp() : 0);
                response = await SendAsync(method, path, content(), ct);
            }
            catch (HttpRequestException) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _reconnections);
                await BackOffAsync(failures++, ct);
                continue;
            }
            finally
            {
                Interlocked.Exchange(ref _pollSentAt, 0);
            }

            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            using var failed = response;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter?.Delta is { } asked)
            {
                Interlocked.Increment(ref _sheds); // a replica shedding polls: come back after its Retry-After, as the agent does
                await Task.Delay(asked * (1 + (Random.Shared.NextDouble() / 10)), ct);
                continue;
            }

            Interlocked.Increment(ref _serverErrors);
            await BackOffAsync(failures++, ct);
        }
    }

    private static Task BackOffAsync(int failures, CancellationToken ct) =>
        Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 5))) * (0.5 + Random.Shared.NextDouble())), ct);

    private static JsonContent Json<T>(T value) => JsonContent.Create(value, options: ReportJson.Options);

    private static ByteArrayContent Body(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A result goes with <c>Expect: 100-continue</c>, as the real agent sends it (<c>ResultDelivery</c>): a server
    /// that turns it away answers before the body is sent.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, Url(path)) { Content = content };
        request.Headers.ExpectContinue = path.EndsWith("/result", StringComparison.Ordinal);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _credential);
        return await http.SendAsync(request, ct);
    }

    private Uri Url(string path) => new(server, AgentProtocol.Prefix.TrimStart('/') + "/" + path);
}
