using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyDoctor.Agent.Installing;

/// <summary>A pack version as the registry describes it.</summary>
public sealed record RegistryPackVersion(string Id, string? Version, Uri DownloadUrl);

/// <summary>
/// Talks to a Comfy-Registry-compatible API: <c>GET {base}/nodes/{id}/install?version=V</c> answers JSON with a
/// <c>downloadUrl</c>; the zip there is streamed to a file. Every failure is an <see cref="InstallStepException"/>
/// at the <see cref="InstallStage.Download"/> stage naming the URL and what went wrong.
/// </summary>
public sealed class RegistryClient(HttpClient http, RegistrySource source)
{
    /// <summary>Largest zip accepted.</summary>
    public const long MaxDownloadBytes = 1L << 30;

    public RegistrySource Source => source;

    public async Task<RegistryPackVersion> ResolveAsync(string id, string? version, CancellationToken ct)
    {
        if (id.Length == 0 || id.Length > 200 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new InstallStepException(InstallStage.Download, $"registry pack id '{id}' has characters a registry id cannot have");
        }

        var query = version is null ? "" : "?version=" + Uri.EscapeDataString(version);
        var url = new Uri(source.BaseUrl.ToString().TrimEnd('/') + "/nodes/" + Uri.EscapeDataString(id) + "/install" + query);
        InstallAnswer? answer;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Fail($"{source.Name}: GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            answer = await response.Content.ReadFromJsonAsync<InstallAnswer>(ct);
        }
        catch (Exception e)
            when (e is HttpRequestException or JsonException or NotSupportedException or TaskCanceledException
                && !ct.IsCancellationRequested
            )
        {
            throw Fail($"{source.Name}: GET {url} failed: {e.Message}", e);
        }

        if (answer?.DownloadUrl is not { Length: > 0 } download || !Uri.TryCreate(download, UriKind.Absolute, out var downloadUrl))
        {
            throw Fail($"{source.Name}: GET {url} gave no usable downloadUrl");
        }

        if (!(downloadUrl.Scheme == Uri.UriSchemeHttps || (downloadUrl.Scheme == Uri.UriSchemeHttp && downloadUrl.IsLoopback)))
        {
            throw Fail($"{source.Name}: downloadUrl {Redaction.WithoutQuery(downloadUrl)} is neither https nor http on loopback");
        }

        return new RegistryPackVersion(id, answer.Version ?? version, downloadUrl);
    }

    /// <summary>Streams the zip to <paramref name="destination"/> (created new), refusing more than
    /// <see cref="MaxDownloadBytes"/>.</summary>
    public async Task DownloadAsync(Uri url, string destination, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Fail($"{source.Name}: GET {Redaction.WithoutQuery(url)} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength > MaxDownloadBytes)
            {
                throw Fail(
                    $"{source.Name}: {Redaction.WithoutQuery(url)} is {response.Content.Headers.ContentLength} bytes, more than "
                        + $"{MaxDownloadBytes}"
                );
            }

            await using var input = await response.Content.ReadAsStreamAsync(ct);
            await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await input.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > MaxDownloadBytes)
                {
                    throw Fail($"{source.Name}: {Redaction.WithoutQuery(url)} sent more than {MaxDownloadBytes} bytes");
                }

                await output.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Fail($"{source.Name}: download of {Redaction.WithoutQuery(url)} failed: {e.Message}", e);
        }
    }

    private static InstallStepException Fail(string message, Exception? inner = null) => new(InstallStage.Download, message, inner);

    private sealed record InstallAnswer(
        [property: JsonPropertyName("downloadUrl")] string? DownloadUrl,
        [property: JsonPropertyName("version")] string? Version
    );
}
