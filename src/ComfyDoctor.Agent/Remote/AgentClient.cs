using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The worker side of the control plane: enrolls once (the credential is kept in the data folder, mode 0600, and the
/// enroll token is never sent again), then long-polls for jobs, runs them with <see cref="WorkerScanner"/>, posts
/// progress and results. Connection failures back off exponentially up to <see cref="AgentOptions.MaxBackoff"/>.
/// </summary>
public sealed class AgentClient(HttpClient http, AgentOptions options)
{
    private const string CredentialFile = "agent-credential";

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(ct);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>One long poll; runs the job it gets. Returns whether a job was run.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken ct)
    {
        var credential = await CredentialAsync(ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/jobs/next"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        var job = await response.Content.ReadFromJsonAsync<AgentJob>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server sent an empty job");
        await RunJobAsync(job, credential, ct);
        return true;
    }

    private async Task RunJobAsync(AgentJob job, string credential, CancellationToken ct)
    {
        JobResult result;
        try
        {
            var scan = options.Scan with { Deep = job.Scan.Deep, WorkerName = options.Name };
            var progress = new Progress<ScanProgress>(p => _ = PostAsync($"jobs/{job.Id}/progress", credential,
                new JobProgress("hashing", p.FilesDone, p.FilesTotal, p.BytesDone, p.BytesTotal), CancellationToken.None));
            result = new JobResult(await new WorkerScanner().ScanAsync(scan, progress, ct), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            result = new JobResult(null, e.Message);
        }

        using var posted = await PostAsync($"jobs/{job.Id}/result", credential, result, ct);
        posted.EnsureSuccessStatusCode();
    }

    private async Task<HttpResponseMessage> PostAsync<T>(string path, string credential, T body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/" + path))
        {
            Content = JsonContent.Create(body, options: ReportJson.Options),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return await http.SendAsync(request, ct);
    }

    /// <summary>The stored credential, or a new one from enrolling with the enroll token.</summary>
    private async Task<string> CredentialAsync(CancellationToken ct)
    {
        var path = Path.Combine(options.DataDir, CredentialFile);
        if (File.Exists(path))
        {
            return (await File.ReadAllTextAsync(path, ct)).Trim();
        }

        if (options.EnrollToken is null)
        {
            throw new InvalidOperationException($"no credential in {path} and no enroll token to get one");
        }

        using var response = await http.PostAsJsonAsync(new Uri(options.Server, AgentProtocol.Prefix.TrimStart('/') + "/enroll"),
            new EnrollRequest(options.Name, options.Tags, options.EnrollToken), ReportJson.Options, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"enrolling '{options.Name}' at {options.Server} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        var enrolled = (await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct))!;
        Directory.CreateDirectory(options.DataDir);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, create))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(enrolled.Credential);
        }

        return enrolled.Credential;
    }
}
