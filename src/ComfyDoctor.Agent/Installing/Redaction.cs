using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Installing;

/// <summary>Keeps credentials out of logs and reports: <c>https://user:token@host/…</c> becomes <c>https://***@host/…</c>.</summary>
internal static partial class Redaction
{
    public static string Redact(string text) => UserInfo().Replace(text, "://***@");

    /// <summary>A URL without its query and fragment (signed download URLs carry tokens there).</summary>
    public static string WithoutQuery(Uri url) => Redact(url.GetLeftPart(UriPartial.Path));

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UserInfo();
}
