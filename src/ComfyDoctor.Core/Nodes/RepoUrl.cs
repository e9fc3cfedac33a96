namespace ComfyDoctor.Core.Nodes;

/// <summary>
/// Normalises git repository URLs so that the forms people write for the same repository compare equal:
/// <c>git@github.com:Owner/Repo.git</c>, <c>https://user:pw@GitHub.com/Owner/Repo/</c> and
/// <c>https://github.com/Owner/Repo</c> all become <c>https://github.com/Owner/Repo</c>.
/// Host is lower-cased; the path keeps its case (use <see cref="Comparer"/> to compare ignoring it, as GitHub does).
/// </summary>
public static class RepoUrl
{
    public static StringComparer Comparer { get; } = StringComparer.OrdinalIgnoreCase;

    public static string Normalize(string url)
    {
        var value = url.Trim();
        if (
            !value.Contains("://", StringComparison.Ordinal)
            && value.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && value.IndexOf('@', StringComparison.Ordinal) is var at
            && at < colon
        )
        {
            // scp-like syntax: user@host:owner/repo
            value = "https://" + value[(at + 1)..colon] + "/" + value[(colon + 1)..].TrimStart('/');
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ssh" or "git")
        {
            var path = uri.AbsolutePath.TrimEnd('/');
            var port = uri.IsDefaultPort || uri.Scheme != "https" ? "" : ":" + uri.Port;
            value = $"https://{uri.Host.ToLowerInvariant()}{port}{path}";
        }

        value = value.TrimEnd('/');
        return value.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? value[..^4] : value;
    }

    public static bool SameRepo(string? a, string? b) => a is not null && b is not null && Comparer.Equals(Normalize(a), Normalize(b));

    /// <summary>The last path segment: <c>https://github.com/kijai/ComfyUI-KJNodes</c> → <c>ComfyUI-KJNodes</c>.</summary>
    public static string RepoName(string url)
    {
        var normalized = Normalize(url);
        return normalized[(normalized.LastIndexOf('/') + 1)..];
    }

    /// <summary><c>owner/repo</c> for a URL with at least two path segments, else null.</summary>
    public static string? OwnerAndRepo(string url)
    {
        var parts = Normalize(url).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 4 ? parts[^2] + "/" + parts[^1] : null;
    }
}
