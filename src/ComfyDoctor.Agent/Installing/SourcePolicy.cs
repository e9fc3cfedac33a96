using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>The answer of <see cref="SourcePolicy.Judge"/>.</summary>
/// <param name="CloneUrl">The URL to fetch from after mirror rewriting (null when refused).</param>
public sealed record PolicyDecision(bool Allowed, string Reason, string? CloneUrl);

/// <summary>
/// Decides whether a pack may be installed from where it says it comes from, and whether a string is a git URL that is
/// safe to hand to git at all (no <c>ext::</c> transports, nothing git could read as an option, no bare local paths).
/// </summary>
public static class SourcePolicy
{
    private const int MaxUrlLength = 2048;

    public static PolicyDecision Judge(PackInstallRequest request, InstallPolicy policy)
    {
        if (CheckPackName(request.PackName) is { } badName)
        {
            return Refused(badName);
        }

        if (string.IsNullOrWhiteSpace(request.Url))
        {
            return policy.AllowUnlisted && request.RegistryId is not null
                ? new PolicyDecision(true, "registry pack without a repository URL, allowed because unlisted packs are allowed", null)
                : Refused("the pack has no repository URL, so it cannot be matched against the catalog");
        }

        if (CheckGitUrl(request.Url) is { } badUrl)
        {
            return Refused(badUrl);
        }

        var cloneUrl = GitMirror.Rewrite(request.Url.Trim(), policy.Mirrors);
        if (!string.Equals(cloneUrl, request.Url.Trim(), StringComparison.Ordinal) && CheckGitUrl(cloneUrl) is { } badMirror)
        {
            return Refused($"mirror rewrote it to an unusable URL: {badMirror}");
        }

        var normalized = RepoUrl.Normalize(request.Url);
        if (policy.CatalogUrls.Any(c => RepoUrl.SameRepo(c, normalized)))
        {
            return new PolicyDecision(true, "listed in the catalog", cloneUrl);
        }

        var prefix = policy.AllowedUrlPrefixes.FirstOrDefault(p => IsUnder(normalized, p));
        if (prefix is not null)
        {
            return new PolicyDecision(true, $"under the allowed prefix {prefix}", cloneUrl);
        }

        return policy.AllowUnlisted
            ? new PolicyDecision(true, "not in the catalog, allowed because unlisted repositories are allowed", cloneUrl)
            : Refused($"{normalized} is not in the catalog or the pins file and not under an allowed URL prefix");
    }

    /// <summary>Null when <paramref name="name"/> is a plain folder name for <c>custom_nodes</c>; else what is wrong.</summary>
    public static string? CheckPackName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 128)
        {
            return $"pack name '{name}' is empty or longer than 128 characters";
        }

        if (name.IndexOfAny(['/', '\\', ':', '\0']) >= 0 || name.Any(char.IsControl))
        {
            return $"pack name '{name}' contains a path separator, a colon or a control character";
        }

        if (
            name.StartsWith('.')
            || name.StartsWith('-')
            || name.EndsWith(".disabled", StringComparison.OrdinalIgnoreCase)
            || name.Trim() != name
            || name.Equals("__pycache__", StringComparison.Ordinal)
        )
        {
            return $"pack name '{name}' is not a usable custom_nodes folder name (leading '.'/'-', '.disabled', spaces at the ends)";
        }

        return null;
    }

    /// <summary>
    /// Null when <paramref name="url"/> is a git URL of an accepted kind: <c>https://</c>, <c>ssh://</c>, scp-like
    /// <c>user@host:path</c>, <c>file://</c>, or <c>http://</c> to a loopback host. Else what is wrong.
    /// </summary>
    public static string? CheckGitUrl(string url)
    {
        var value = url.Trim();
        if (value.Length == 0 || value.Length > MaxUrlLength)
        {
            return $"repository URL is empty or longer than {MaxUrlLength} characters";
        }

        if (value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return $"repository URL '{Shorten(value)}' contains whitespace or control characters";
        }

        if (value.StartsWith('-'))
        {
            return $"repository URL '{Shorten(value)}' starts with '-' (git would read it as an option)";
        }

        if (value.Contains("::", StringComparison.Ordinal))
        {
            return $"repository URL '{Shorten(value)}' uses git's <transport>::<address> form (e.g. ext::), which can run commands";
        }

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return CheckScpLike(value);
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return $"repository URL '{Shorten(value)}' is not a valid URL";
        }

        return uri.Scheme switch
        {
            "https" or "ssh" when uri.Host.Length == 0 || uri.Host.StartsWith('-') || uri.UserInfo.StartsWith('-') =>
                $"repository URL '{Shorten(value)}' has no usable host",
            "https" or "ssh" => null,
            "http" when uri.IsLoopback => null,
            "http" => $"repository URL '{Shorten(value)}' uses plain http to a non-loopback host; use https",
            "file" when uri.Host.Length == 0 => null,
            "file" => $"repository URL '{Shorten(value)}' is a file URL with a host; only file:///path is accepted",
            _ => $"repository URL '{Shorten(value)}' uses the scheme '{uri.Scheme}'; only https, ssh, file (and http to loopback) "
                + "are accepted",
        };
    }

    private static string? CheckScpLike(string value)
    {
        // user@host:path — git treats it as ssh when the colon comes before any slash.
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (colon > 0 && (slash < 0 || colon < slash) && at > 0 && at < colon)
        {
            var host = value[(at + 1)..colon];
            return host.Length > 0 && !host.StartsWith('-') && Uri.CheckHostName(host) != UriHostNameType.Unknown
                ? null
                : $"repository URL '{Shorten(value)}' has no usable ssh host";
        }

        return $"repository URL '{Shorten(value)}' is a local path or has no scheme; use https://, ssh:// or file:///";
    }

    private static bool IsUnder(string normalizedUrl, string prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix))
        {
            return false;
        }

        var root = RepoUrl.Normalize(prefix) + "/";
        return (normalizedUrl + "/").StartsWith(root, StringComparison.OrdinalIgnoreCase);
    }

    private static PolicyDecision Refused(string reason) => new(false, reason, null);

    private static string Shorten(string value)
    {
        var redacted = Redaction.Redact(value);
        return redacted.Length <= 120 ? redacted : redacted[..117] + "...";
    }
}
