using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// A <c>pips</c> entry read as a pin: <c>"Pillow==10.4.0": ""</c> → <c>pillow</c> at <c>10.4.0</c>; <c>"foo": "https://…"</c>
/// (a <c>foo @ url</c> freeze line) → <c>foo</c> from that URL; an editable line (<c>-e …</c>) names no version and is kept
/// only to be written back.
/// </summary>
/// <param name="Name">PEP 503-normalised (lower case, runs of <c>-_.</c> as <c>-</c>), the form inventories use.</param>
/// <param name="Version">The exact version of a <c>==</c> line; null otherwise.</param>
/// <param name="Url">The direct URL of a <c>name @ url</c> line; null otherwise.</param>
public sealed partial record PipPin(string Name, string? Version, string? Url)
{
    /// <summary>The pin of an entry, or null for lines that pin nothing we can compare (<c>-e …</c>, comments).</summary>
    public static PipPin? Of(SnapshotPip pip)
    {
        var key = pip.Key.Trim();
        if (key.Length == 0 || key.StartsWith('-') || key.StartsWith('#'))
        {
            return null;
        }

        if (pip.Value.Length > 0)
        {
            return Requirement().IsMatch(key) ? new PipPin(Normalize(key), null, pip.Value) : null;
        }

        var at = key.IndexOf("==", StringComparison.Ordinal);
        return at > 0 && Requirement().IsMatch(key[..at].Trim()) && key[(at + 2)..].Trim() is { Length: > 0 } version
            ? new PipPin(Normalize(key[..at]), version, null)
            : null;
    }

    /// <summary>PEP 503 normalisation.</summary>
    public static string Normalize(string name) => Separators().Replace(name.Trim(), "-").ToLowerInvariant();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex Requirement();

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex Separators();
}
