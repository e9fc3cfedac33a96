using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.Text;

/// <summary>
/// Credentials written into URLs — <c>git+https://user:token@host/…</c>, <c>--index-url https://u:p@host/simple</c>, a token
/// as the user (<c>https://ghp_…@github.com/…</c>), a signed URL's <c>?token=…</c> or <c>X-Amz-Signature=…</c> — replaced by
/// <c>***</c> wherever they occur in a text (issue 19.4): what a snapshot download, a finding, an audit row or a log line shows.
/// The user of an <c>ssh</c> URL (<c>ssh://git@host</c>) is a login, not a secret, and stays. JSON's escaped slashes
/// (<c>https:\/\/</c>) are recognised too. The stored original is never changed: the agent restores from it.
/// </summary>
public static partial class UrlCredentials
{
    public const string Mask = "***";

    public static string Redact(string text)
    {
        if (!text.Contains('@', StringComparison.Ordinal) && !text.Contains('=', StringComparison.Ordinal))
        {
            return text;
        }

        var withoutUsers = UserInfo()
            .Replace(text, m =>
                m.Groups["scheme"].Value.EndsWith("ssh", StringComparison.OrdinalIgnoreCase)
                && !m.Groups["user"].Value.Contains(':', StringComparison.Ordinal)
                    ? m.Value
                    : $"{m.Groups["scheme"].Value}:{m.Groups["slashes"].Value}{Mask}@"
            );
        return SecretParameter().Replace(withoutUsers, m => $"{m.Groups["name"].Value}={Mask}");
    }

    /// <summary>A URL as agents report it (issue 19.1): <c>https://user:token@host/x?sig=…</c> → <c>https://host/x</c>, its user,
    /// password, query and fragment dropped (signed URLs carry tokens there).</summary>
    public static string WithoutCredentials(string url)
    {
        var cut = url.IndexOfAny(['?', '#']);
        return UserPart().Replace(cut < 0 ? url : url[..cut], "://");
    }

    /// <summary>Whether an installed package's URL (as reported, without credentials) is the one a snapshot pins (with them).</summary>
    public static bool SameUrl(string? installed, string? pinned) =>
        installed is not null && pinned is not null && WithoutCredentials(installed) == WithoutCredentials(pinned);

    /// <summary>Whether the text carries a credential <see cref="Redact"/> would hide.</summary>
    public static bool Carries(string text) => Redact(text) != text;

    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?<slashes>//|\\/\\/)(?<user>[^/\\@\s""'<>]+)@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UserPart();

    [GeneratedRegex(
        @"(?<=[?&;])(?<name>[A-Za-z0-9_.\-]*(?:token|key|secret|passw(?:or)?d|pwd|sig|signature|credential|auth)[A-Za-z0-9_.\-]*)"
            + @"=(?!\*\*\*(?:[&#\s""'<>]|$))[^&#\s""'<>]+",
        RegexOptions.IgnoreCase
    )]
    private static partial Regex SecretParameter();
}
