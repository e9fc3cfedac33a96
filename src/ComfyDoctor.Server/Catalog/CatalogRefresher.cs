using System.Net;
using System.Net.Http.Headers;

namespace ComfyDoctor.Server.Catalog;

/// <summary>
/// Re-reads ComfyUI-Manager's files from the configured folder or URL (<see cref="ServerOptions.NodeCatalogSource"/>) and
/// imports what changed. A URL is asked conditionally (If-None-Match / If-Modified-Since from the last answer): an
/// unchanged file costs a 304. A failed refresh — unreachable, malformed, too large — stores nothing: the last good
/// catalog stays in use, and the failure is kept in <see cref="CatalogStateRow.RefreshError"/> for the API, CLI and dashboard.
/// </summary>
public sealed class CatalogRefresher(ComfyDoctorDb db, CatalogService catalog, ServerOptions options, IHttpClientFactory clients)
{
    public const string Actor = "catalog-refresh";

    /// <summary>What the refresh did: null error when it worked (changed or not).</summary>
    public sealed record Result(string? Source, string? Error, CatalogService.Outcome? Outcome);

    /// <summary>Whether the last refresh (by any replica) is a period old, or there was none.</summary>
    public async Task<bool> DueAsync(CancellationToken ct)
    {
        var last = await db
            .CatalogState.AsNoTracking()
            .Where(s => s.Id == CatalogStateRow.CurrentId)
            .Select(s => s.RefreshedAt)
            .FirstAsync(ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return last is null || now - last.Value >= (long)options.NodeCatalogRefresh.TotalMilliseconds;
    }

    public async Task<Result> RefreshAsync(CancellationToken ct)
    {
        if (options.NodeCatalogSource is not { Length: > 0 } source)
        {
            return new Result(null, "no --node-catalog-source is configured", null);
        }

        CatalogService.Outcome? outcome = null;
        string? error;
        try
        {
            var stored = await db
                .CatalogFiles.AsNoTracking()
                .Where(f => f.Source == source)
                .ToDictionaryAsync(f => f.File, f => (f.Etag, f.LastModified), ct);
            var (files, validators, problem) = IsUrl(source) ? await FetchAsync(source, stored, ct) : await ReadFolderAsync(source, ct);
            if (problem is null && files.Count > 0)
            {
                outcome = await catalog.ImportAsync(files, source, Actor, ct, validators);
                problem = outcome.Error;
            }

            error = problem;
        }
        catch (Exception e)
            when (e is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException
                && !ct.IsCancellationRequested
            )
        {
            error = $"cannot read {source}: {e.Message}";
        }

        await db
            .CatalogState.Where(s => s.Id == CatalogStateRow.CurrentId)
            .ExecuteUpdateAsync(
                s =>
                    s.SetProperty(x => x.RefreshedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
                        .SetProperty(x => x.RefreshError, error),
                ct
            );
        return new Result(source, error, outcome);
    }

    private static bool IsUrl(string source) => Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private async Task<(List<CatalogFile>, Dictionary<string, (string?, string?)>, string?)> FetchAsync(
        string source,
        Dictionary<string, (string? Etag, string? LastModified)> stored,
        CancellationToken ct
    )
    {
        var http = clients.CreateClient(nameof(CatalogRefresher));
        var files = new List<CatalogFile>();
        var validators = new Dictionary<string, (string?, string?)>();
        foreach (var name in CatalogFileNames.All)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(source.TrimEnd('/') + "/"), name));
            if (stored.TryGetValue(name, out var known))
            {
                if (known.Etag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
                {
                    request.Headers.IfNoneMatch.Add(tag);
                }

                if (
                    known.LastModified is { } modified
                    && DateTimeOffset.TryParse(modified, System.Globalization.CultureInfo.InvariantCulture, out var since)
                )
                {
                    request.Headers.IfModifiedSince = since;
                }
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (
                response.StatusCode == HttpStatusCode.NotModified
                || (response.StatusCode == HttpStatusCode.NotFound && name != CatalogFileNames.NodeMap)
            )
            {
                continue; // unchanged, or an optional file the source does not offer
            }

            if (!response.IsSuccessStatusCode)
            {
                return ([], validators, $"{request.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (
                response.Content.Headers.ContentLength > options.MaxCatalogFileBytes
                || await CatalogUpload.BodyAsync(name, await response.Content.ReadAsStreamAsync(ct), options.MaxCatalogFileBytes, ct)
                    is not { } file
            )
            {
                return ([], validators, CatalogUpload.TooLarge(name, options.MaxCatalogFileBytes).Error);
            }

            files.Add(file);
            validators[name] = (response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R"));
        }

        return (files, validators, null);
    }

    private async Task<(List<CatalogFile>, Dictionary<string, (string?, string?)>, string?)> ReadFolderAsync(
        string folder,
        CancellationToken ct
    )
    {
        if (!Directory.Exists(folder))
        {
            return ([], [], $"{folder}: no such folder");
        }

        var files = new List<CatalogFile>();
        foreach (var name in CatalogFileNames.All)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                continue;
            }

            await using var stream = File.OpenRead(path);
            if (await CatalogUpload.BodyAsync(name, stream, options.MaxCatalogFileBytes, ct) is not { } file)
            {
                return ([], [], CatalogUpload.TooLarge(name, options.MaxCatalogFileBytes).Error);
            }

            files.Add(file);
        }

        return files.Count == 0 ? ([], [], $"{folder}: holds none of {string.Join(", ", CatalogFileNames.All)}") : (files, [], null);
    }
}
