using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>How a snapshot's keys and values appear in messages: credentials hidden first (<see cref="UrlCredentials"/>), then
/// clipped to 120 characters, control characters escaped, quoted — so an error about a pip line never shows its token.</summary>
internal static class SnapshotText
{
    public static string Quote(string text) => "\"" + Printable.Escape(Clip(UrlCredentials.Redact(text))) + "\"";

    /// <summary>A value as an error describes what it found.</summary>
    public static string Found(SnapshotNode value) =>
        value.Kind switch
        {
            SnapshotNodeKind.Text => value.Text.Length == 0 ? "an empty string" : Quote(value.Text),
            SnapshotNodeKind.Number => $"the number {Clip(value.Text)}",
            SnapshotNodeKind.Bool => value.Text,
            SnapshotNodeKind.Null => "null",
            SnapshotNodeKind.Array => "an array",
            _ => "an object",
        };

    private static string Clip(string text) => text.Length > 120 ? text[..120] + "…" : text;
}
