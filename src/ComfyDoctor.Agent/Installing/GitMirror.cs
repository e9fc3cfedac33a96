namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// A URL prefix rewrite like git's <c>url.&lt;To&gt;.insteadOf &lt;From&gt;</c>: a farm without internet clones
/// <c>https://github.com/owner/repo</c> from <c>file:///srv/git/owner/repo</c>.
/// </summary>
public sealed record GitMirror(string From, string To)
{
    /// <summary>Parses <c>FROM=TO</c>, as given to <c>--git-mirror</c>.</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static GitMirror Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new FormatException($"git mirror '{text}' is not of the form FROM=TO (e.g. https://github.com/=file:///srv/git/)");
        }

        return new GitMirror(text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    /// <summary>Applies the mirror with the longest matching prefix (as git does); the URL unchanged when none matches.</summary>
    public static string Rewrite(string url, IReadOnlyList<GitMirror> mirrors)
    {
        GitMirror? best = null;
        foreach (var mirror in mirrors)
        {
            if (url.StartsWith(mirror.From, StringComparison.OrdinalIgnoreCase) && (best is null || mirror.From.Length > best.From.Length))
            {
                best = mirror;
            }
        }

        return best is null ? url : best.To + url[best.From.Length..];
    }
}
